import { after } from 'node:test';

type Cleanup = () => Promise<void> | void;

/**
 * What a test file sets up once and must undo after its last test (archives, peers, temporary folders): push onto
 * the returned list; node:test's after() undoes the list last first, so `first` (given here) is undone last.
 */
export function cleanupsAfter(...first: Cleanup[]): Cleanup[] {
  const list: Cleanup[] = [...first];
  after(async () => { for (const c of list.reverse()) await c(); });
  return list;
}
