/**
 * Soak phase 2: the receive path as a whole. A scripted raw peer sends a random PDU sequence to a StorageServer with a
 * directory sink in a fresh folder, at every stage of the association: before the A-ASSOCIATE (garbage, damaged or cut
 * requests, data or a release out of turn), after it (whole C-STOREs in the negotiated syntax, objects broken off
 * mid-way, damaged commands and PDUs, foreign contexts, a second A-ASSOCIATE-RQ, release requests with traffic after
 * them), and ends by asking for a release, closing its side, aborting or resetting. Per case:
 * - the connection ends and the server has no association left within the deadline (else a hang);
 * - no temporary file remains; every file under a final name is Part 10 whose data set reads to its end with our
 *   tokenizer and is the object its name says; every success response names a file that is there (else lost/corrupt);
 * - on an association released in order, every stored object was answered (a C-STORE-RSP before the A-RELEASE-RP);
 * - nothing appears in the folder around the case's folder (else a write outside);
 * - no uncaught exception or unhandled rejection happens in the process (else a crash).
 */
import net from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { decodeCommand, encodeCommand } from '../../lib/dimse/command';
import { parseFileMeta } from '../../lib/dataset/part10/file-meta';
import { DatasetParser } from '../../lib/dataset/codec/tokenizer';
import { EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, type DatasetSyntax } from '../../lib/dataset/codec/transfer-syntax';
import { PduReader, encodePdu, type Pdu } from '../../lib/pdu';
import { buildAssociateRq } from '../../lib/association/negotiation';
import { startStoreServer } from '../helpers/raw-store-peer';
import { ctDataset } from '../helpers/dataset';
import { bytes, cut, mutation } from '../helpers/property';
import { countError, listing, newEntries, newStats, noteFailure, type PhaseStats } from './stats';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const UIDS = ['1.2.3.1', '1.2.3.2', '1.2.3.3', '1.2.3.4'];
const SYNTAXES: { uid: string; syntax: DatasetSyntax }[] = [
  { uid: '1.2.840.10008.1.2', syntax: IMPLICIT_LE },
  { uid: '1.2.840.10008.1.2.1', syntax: EXPLICIT_LE },
  { uid: '1.2.840.10008.1.2.2', syntax: EXPLICIT_BE },
];
const RELEASE_RQ = encodePdu({ type: 'A-RELEASE-RQ' });
const ABORT = encodePdu({ type: 'A-ABORT', source: 0, reason: 0 });

function associateRq(ts: string, abstractSyntax = CT): Buffer {
  return encodePdu(buildAssociateRq({
    callingAeTitle: 'SOAKPEER', calledAeTitle: 'MOVESCU',
    presentationContexts: [{ id: 1, abstractSyntax, transferSyntaxes: [ts] }],
  }, { maxPduLength: 16384, artimTimeoutMs: 2000 }));
}

const dataset = (uid: string, pixels: number, syntax: DatasetSyntax, sopInstanceUid = uid): Buffer =>
  ctDataset({ sopInstanceUid, patientId: 'SOAK', pixelBytes: 2 * pixels, fill: 7, syntax });

const storeRq = (uid: string, messageId: number): Buffer =>
  encodeCommand({ CommandField: 0x0001, MessageID: messageId, AffectedSOPClassUID: CT, AffectedSOPInstanceUID: uid, Priority: 0, CommandDataSetType: 0 });

const pdata = (contextId: number, isCommand: boolean, isLast: boolean, data: Buffer): Buffer =>
  encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId, isCommand, isLast, data }] });

/** Data set bytes as data PDVs of at most `size` bytes, the last flagged. */
function dataPdus(d: Buffer, size: number): Buffer {
  const out: Buffer[] = [];
  for (let at = 0; at < d.length || at === 0; at += size) {
    out.push(pdata(1, false, at + size >= d.length, d.subarray(at, at + size)));
    if (d.length === 0) break;
  }
  return Buffer.concat(out);
}

// ---- the peer's script --------------------------------------------------------------------------------------

/** What an associated peer sends next, given the negotiated syntax. */
function associatedStep(syntax: DatasetSyntax): fc.Arbitrary<Buffer> {
  const u = fc.constantFrom(...UIDS);
  const px = fc.nat({ max: 4000 });
  const id = fc.integer({ min: 1, max: 9 });
  return fc.oneof(
    // A whole C-STORE, its data set in PDVs of some size.
    { weight: 14, arbitrary: fc.tuple(u, px, id, fc.integer({ min: 1, max: 9000 }))
      .map(([uid, p, m, size]) => Buffer.concat([pdata(1, true, true, storeRq(uid, m)), dataPdus(dataset(uid, p, syntax), size)])) },
    // The command alone, or a piece of a data set (the object broken off mid-way).
    { weight: 3, arbitrary: fc.tuple(u, id).map(([uid, m]) => pdata(1, true, true, storeRq(uid, m))) },
    { weight: 3, arbitrary: fc.tuple(u, px, fc.boolean(), fc.nat()).map(([uid, p, isLast, at]) => {
      const d = dataset(uid, p, syntax);
      return pdata(1, false, isLast, d.subarray(0, at % (d.length + 1)));
    }) },
    // A data set that names another object than its command (the server must not store it under the command's UID).
    { weight: 1, arbitrary: fc.tuple(u, u, px).map(([a, b, p]) => Buffer.concat([pdata(1, true, true, storeRq(a, 1)), pdata(1, false, true, dataset(a, p, syntax, b))])) },
    // A whole C-STORE with bytes changed anywhere in it (headers, command, data set).
    { weight: 2, arbitrary: fc.tuple(u, px, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([uid, p, ms]) => {
      const b = Buffer.concat([pdata(1, true, true, storeRq(uid, 1)), pdata(1, false, true, dataset(uid, p, syntax))]);
      for (const m of ms) b[m.at % b.length] = m.value;
      return b;
    }) },
    { weight: 2, arbitrary: fc.tuple(fc.boolean(), bytes(300)).map(([isLast, d]) => pdata(1, false, isLast, d)) },
    { weight: 1, arbitrary: fc.tuple(fc.boolean(), bytes(100)).map(([isLast, d]) => pdata(1, true, isLast, d)) },
    // Any context id, 0 included (which our encoder refuses to write, so it is set in the bytes).
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.boolean(), bytes(40)).map(([ctx, isCommand, d]) => {
      const b = pdata(1, isCommand, true, d);
      b[10] = ctx;
      return b;
    }) },
    { weight: 1, arbitrary: fc.constant(RELEASE_RQ) },
    { weight: 1, arbitrary: fc.constant(associateRq(SYNTAXES[1]!.uid)) },
    { weight: 1, arbitrary: fc.constant(encodePdu({ type: 'A-RELEASE-RP' })) },
    { weight: 1, arbitrary: bytes(30) },
  );
}

/** What a peer sends before (or instead of) a valid A-ASSOCIATE-RQ. */
const preStep: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 2, arbitrary: bytes(200) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...SYNTAXES), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([s, ms]) => {
    const b = associateRq(s.uid);
    for (const m of ms) b[m.at % b.length] = m.value;
    return b;
  }) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...SYNTAXES), fc.nat()).map(([s, at]) => { const b = associateRq(s.uid); return b.subarray(0, at % b.length); }) },
  { weight: 1, arbitrary: fc.constant(associateRq('1.2.840.10008.1.2.4.50')) },
  { weight: 1, arbitrary: fc.constant(associateRq(SYNTAXES[1]!.uid, '1.2.3.4.5.6')) },
  { weight: 1, arbitrary: fc.constant(Buffer.concat([pdata(1, true, true, storeRq(UIDS[0]!, 1)), pdata(1, false, true, dataset(UIDS[0]!, 10, EXPLICIT_LE))])) },
  { weight: 1, arbitrary: fc.constant(RELEASE_RQ) },
  { weight: 1, arbitrary: fc.constant(ABORT) },
);

type Ending = 'release' | 'end' | 'abort' | 'reset' | 'release-then-data' | 'idle';

interface Script {
  associated: boolean;
  ts: (typeof SYNTAXES)[number];
  steps: Buffer[];
  points: number[];
  ending: Ending;
}

const script: fc.Arbitrary<Script> = fc.record({ associated: fc.boolean(), ts: fc.constantFrom(...SYNTAXES) }).chain(({ associated, ts }) => fc.record({
  associated: fc.constant(associated),
  ts: fc.constant(ts),
  steps: associated ? fc.array(associatedStep(ts.syntax), { maxLength: 8 }) : fc.array(preStep, { maxLength: 2 }),
  points: fc.array(fc.nat(), { maxLength: 6 }),
  ending: fc.oneof(
    { weight: 6, arbitrary: fc.constant<Ending>('release') },
    { weight: 2, arbitrary: fc.constantFrom<Ending>('end', 'abort', 'reset', 'release-then-data') },
    // A peer that stops sending: only the server's own timer (ARTIM, before association) ends that.
    { weight: associated ? 0 : 1, arbitrary: fc.constant<Ending>('idle') },
  ),
}));

// ---- one case -----------------------------------------------------------------------------------------------

interface CaseResult {
  hang?: string;
  /** Objects stored on an association released in order, but never answered with a C-STORE-RSP. */
  unanswered: string[];
  problems: string[];
  leftovers: string[];
  outcomes: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves true when `p` settles within `ms`, false otherwise. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([p.then(() => true, () => true), new Promise<boolean>((res) => (timer = setTimeout(() => res(false), ms)))]);
  clearTimeout(timer);
  return r;
}

/** The file's data set reads to its end and its SOP Instance UID (meta and data set) is `uid`; else why not. */
function checkFile(file: string, uid: string): string | null {
  const b = readFileSync(file);
  let meta;
  try {
    meta = parseFileMeta(b, { final: true });
  } catch (e) {
    return `file meta unreadable: ${(e as Error).message}`;
  }
  if (!meta || !meta.hasMeta) return 'no file meta';
  if (meta.mediaStorageSopInstanceUid !== uid) return `meta names ${meta.mediaStorageSopInstanceUid}, file name ${uid}`;
  let depth = 0;
  let current = 0;
  let sop: Buffer[] | null = null;
  const parts: Buffer[] = [];
  try {
    const parser = new DatasetParser(meta.syntax, (t) => {
      if (t.type === 'sequenceStart') depth++;
      else if (t.type === 'sequenceEnd') depth--;
      else if (t.type === 'element') current = depth === 0 ? t.tag : 0;
      else if (t.type === 'value' && current === 0x00080018) parts.push(Buffer.from(t.data));
      else if (t.type === 'elementEnd' && current === 0x00080018) sop = parts;
    }, { startOffset: meta.datasetOffset });
    parser.write(b.subarray(meta.datasetOffset));
    parser.end();
  } catch (e) {
    return `data set does not read to its end: ${(e as Error).message}`;
  }
  const inSet = sop ? Buffer.concat(sop).toString('latin1').replace(/[\0 ]+$/, '') : null;
  return inSet === uid ? null : `data set's SOP Instance UID ${inSet}, file name ${uid}`;
}

export async function runCase(s: Script, root: string, deadlineMs: number): Promise<CaseResult> {
  const res: CaseResult = { problems: [], leftovers: [], outcomes: [], unanswered: [] };
  const store = await startStoreServer({ parent: root, acseTimeoutMs: 500, transferSyntaxes: SYNTAXES.map((x) => x.uid) });
  const socket = net.connect({ host: '127.0.0.1', port: store.port });
  socket.on('error', () => {});
  const answers: Pdu[] = [];
  const reader = new PduReader({ maxPduLength: 0 });
  reader.on('data', (p: Pdu) => answers.push(p));
  // The server may stop mid-PDU when it aborts: its bytes are read only as far as they go.
  reader.on('error', () => {});
  socket.on('data', (d: Buffer) => { if (!reader.destroyed) reader.write(d); });
  const closed = once(socket, 'close').catch(() => {});
  await once(socket, 'connect').catch(() => {});
  const write = async (b: Buffer): Promise<void> => {
    for (const c of cut(b, s.points)) {
      if (socket.destroyed || !socket.writable) return;
      socket.write(c);
    }
    await sleep(0);
  };
  if (s.associated) {
    await write(associateRq(s.ts.uid));
    // Wait for the A-ASSOCIATE-AC, as a real requestor does, before any data.
    const t0 = Date.now();
    while (answers.length === 0 && !socket.destroyed && Date.now() - t0 < deadlineMs) await sleep(2);
  }
  for (const step of s.steps) await write(step);
  const released = (): boolean => answers.some((p) => p.type === 'A-RELEASE-RP' || p.type === 'A-ABORT');
  const waitAnswer = async (ms: number): Promise<void> => {
    const t0 = Date.now();
    while (!released() && !socket.destroyed && Date.now() - t0 < ms) await sleep(2);
  };
  switch (s.ending) {
    case 'release':
    case 'release-then-data':
      await write(RELEASE_RQ);
      if (s.ending === 'release-then-data') await write(pdata(1, false, true, Buffer.alloc(20)));
      // A release request swallowed by an unfinished PDU goes unanswered: the peer then closes its side.
      await waitAnswer(1000);
      if (!socket.destroyed) socket.end();
      break;
    case 'end': socket.end(); break;
    case 'abort': await write(ABORT); if (!socket.destroyed) socket.end(); break;
    case 'reset': socket.resetAndDestroy(); break;
    case 'idle':
      // Only an association not yet established has a timer (ARTIM); an associated peer may idle for ever, as with
      // DCMTK without -td. So once accepted, the idle peer closes its side after a while.
      await sleep(1000);
      if (answers.some((p) => p.type === 'A-ASSOCIATE-AC') && !socket.destroyed) socket.end();
      break;
  }
  const t0 = Date.now();
  if (!(await within(closed, deadlineMs))) res.hang = `connection still open ${deadlineMs} ms after the peer's ${s.ending}`;
  else if (!(await within(store.server.idle(), Math.max(1, deadlineMs - (Date.now() - t0))))) res.hang = `server still holds the association ${deadlineMs} ms after the peer's ${s.ending}`;
  socket.destroy();
  const end = answers.find((p) => p.type === 'A-RELEASE-RP' || p.type === 'A-ABORT' || p.type === 'A-ASSOCIATE-RJ');
  res.outcomes.push(`ended by ${end?.type ?? 'close'}`);
  // What the server answered: each success must name a file that is there.
  const successes = new Set<string>();
  const answered = new Set<string>();
  for (const p of answers) {
    if (p.type !== 'P-DATA-TF') continue;
    for (const v of p.pdvs) {
      if (!v.isCommand || !v.isLast) continue;
      try {
        const rsp = decodeCommand(v.data);
        res.outcomes.push(`C-STORE-RSP 0x${(rsp.Status ?? 0xffff).toString(16).padStart(4, '0')}`);
        if (rsp.Status === 0 && rsp.AffectedSOPInstanceUID) successes.add(rsp.AffectedSOPInstanceUID);
        if (rsp.AffectedSOPInstanceUID) answered.add(rsp.AffectedSOPInstanceUID);
      } catch {
        res.problems.push('server sent a command set we cannot decode');
      }
    }
  }
  if (res.hang) store.server.abortAll();
  const closing = store.close((dir) => {
    const names = readdirSync(dir);
    for (const name of names) {
      if (name.startsWith('.')) { res.leftovers.push(name); continue; }
      const m = /^CT\.(.+)$/.exec(name);
      if (!m || !UIDS.includes(m[1]!)) { res.problems.push(`unexpected file ${name}`); continue; }
      const why = checkFile(join(dir, name), m[1]!);
      if (why) res.problems.push(`${name}: ${why}`);
      else res.outcomes.push('file stored');
    }
    for (const uid of successes) if (!names.includes(`CT.${uid}`)) res.problems.push(`success for ${uid} but no file CT.${uid}`);
    // Released in order, the server owed a response for every object it kept: a release answered first loses it.
    if (end?.type === 'A-RELEASE-RP') {
      for (const name of names) if (name.startsWith('CT.') && !answered.has(name.slice(3))) res.unanswered.push(name.slice(3));
    }
  });
  if (!(await within(closing, deadlineMs))) res.hang ??= 'the directory sink did not finish';
  return res;
}

export interface FuzzReceiveOptions {
  count: number;
  seed: number;
  /** Per case, once the peer has done its last action. */
  deadlineMs?: number;
  progress?(done: number): void;
}

const BATCH = 50;

export async function fuzzReceive(opts: FuzzReceiveOptions): Promise<PhaseStats> {
  const t0 = Date.now();
  const stats = newStats('fuzz receive');
  const deadlineMs = opts.deadlineMs ?? 15_000;
  // The cases' folders are made in this one, which must hold nothing else once each case is cleaned up.
  const root = mkdtempSync(join(tmpdir(), 'dimse-soak-receive-'));
  const crashes: string[] = [];
  const onCrash = (e: unknown): void => { crashes.push(e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)); };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  try {
    let batch = 0;
    while (stats.cases < opts.count) {
      const n = Math.min(BATCH, opts.count - stats.cases);
      const batchSeed = (opts.seed * 7919 + batch) | 0;
      const scripts = fc.sample(script, { seed: batchSeed, numRuns: n });
      for (const [i, s] of scripts.entries()) {
        const before = listing(root, readdirSync);
        const crashesBefore = crashes.length;
        const r = await runCase(s, root, deadlineMs);
        stats.cases++;
        const where = `receive seed ${opts.seed} batch ${batch} (fc seed ${batchSeed}) index ${i}: ${s.associated ? 'associated' : 'not associated'}, ${s.ts.uid}, ${s.steps.length} steps, ends ${s.ending}`;
        for (const o of r.outcomes) countError(stats, o);
        if (r.hang) { stats.hangs++; noteFailure(stats, `hang: ${r.hang}; ${where}`); }
        if (r.problems.length) { stats.lostOrCorrupt += r.problems.length; noteFailure(stats, `lost/corrupt: ${r.problems.join('; ')}; ${where}`); }
        if (r.unanswered.length) { stats.unanswered += r.unanswered.length; noteFailure(stats, `stored but never answered before A-RELEASE-RP: ${r.unanswered.join(', ')}; ${where}`); }
        if (r.leftovers.length) { stats.leftovers += r.leftovers.length; noteFailure(stats, `temporary files left: ${r.leftovers.join(', ')}; ${where}`); }
        const outside = newEntries(before, listing(root, readdirSync));
        if (outside.length) { stats.outside += outside.length; noteFailure(stats, `written outside the case's folder: ${outside.join(', ')}; ${where}`); }
        if (crashes.length > crashesBefore) {
          stats.crashes += crashes.length - crashesBefore;
          noteFailure(stats, `crash: ${crashes.slice(crashesBefore).join('\n')}; ${where}`);
        }
      }
      batch++;
      opts.progress?.(stats.cases);
    }
  } finally {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    rmSync(root, { recursive: true, force: true });
  }
  stats.ms = Date.now() - t0;
  return stats;
}
