/**
 * Comparing movescu logs line by line, DCMTK's against ours. The main association's lines and the store
 * sub-associations' interleave as the archive's messages on two sockets happen to arrive: dcmqrscp sends pending
 * response N and C-STORE-RQ N+1 back to back, and which one a client reads first is timing. Within one association
 * the order is fixed, and that is what is compared.
 */
import assert from 'node:assert/strict';

/** The info lines movescu's store SCP prints for a sub-association. */
const SUB_ASSOCIATION_LINE = /^I: (Sub-Association|Received Store Request|Received Echo Request| {4}\(but no valid)/;

/** The lines of the main association and those of the sub-associations (`isSub`), each in its own order. */
export function byAssociation(lines: string[], isSub: RegExp = SUB_ASSOCIATION_LINE): { main: string[]; sub: string[] } {
  return { main: lines.filter((l) => !isSub.test(l)), sub: lines.filter((l) => isSub.test(l)) };
}

/**
 * Each association parameter dump (DCMTK's ASC_dumpParameters, A-ASSOCIATE-RQ / -AC), the lines matching `omit`
 * (those naming an implementation) removed; with `lineBefore`, the line that introduces it too ("D: Request
 * Parameters:").
 */
export function associationBlocks(log: string, omit: RegExp, lineBefore = false): string[] {
  const lines = log.split('\n');
  const blocks: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^D: =+ BEGIN A-ASSOCIATE-(RQ|AC) =+$/.test(lines[i] as string)) continue;
    const end = lines.findIndex((l, k) => k > i && /^D: =+ END A-ASSOCIATE-(RQ|AC) =+$/.test(l));
    assert.ok(end > i, `unterminated association dump at line ${i}`);
    blocks.push(lines.slice(lineBefore ? i - 1 : i, end + 1).filter((l) => !omit.test(l)).join('\n'));
    i = end;
  }
  return blocks;
}
