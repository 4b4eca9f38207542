/**
 * The floor of the way in, for benchmarks/floor.ts: the least a Node process does to receive one association of
 * C-STOREs into files. Our PDU parser and codecs handle the association and the commands; each object's PDV values
 * go to its file as they are, with no DIMSE reader, data set stream, check, conversion or sink, and nothing is
 * logged. It is not a Storage SCP: it accepts every presentation context and exits on the first thing it does not
 * expect. What it costs is what any Node implementation of movescu pays at least.
 *
 *   node dist/benchmarks/floor-receiver.js PORT DIR MODE
 *
 * MODE
 *   async   each object written through our TempFile, as the directory sink writes it: opened when its command
 *           comes, its bytes appended as they arrive (written in batches while the rest comes), closed while
 *           renamed, all through libuv's thread pool (no synchronous file call on the path that serves the
 *           associations)
 *   sync    open, one writev after the object's last byte, close and rename, made synchronously on the main thread,
 *           as DCMTK's one thread makes them
 *   reused  async, but with no allocation per read: the socket reads into one reused buffer (Node's `onread`), and
 *           each object's values are copied into a reused object buffer (and appended from there)
 *   worker  the sync mode's calls made by a worker thread (floor-writer.ts), so that the main thread never waits for
 *           a file: each object copied into one buffer after its last byte (buffers the worker sends back are filled
 *           again), handed to the worker, answered once the worker says it is written and renamed
 *
 * Says `listening` on its standard output once it listens; exits 0 once an association is released and every file
 * is written, 1 on anything else.
 */
// The young generation bounded and the thread pool sized as our CLI does (bin/young-generation.ts,
// bin/thread-pool.ts), so that CPU and peak RSS compare.
import '../bin/young-generation';
import '../bin/thread-pool';
import { closeSync, openSync, renameSync, writevSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WriteDone, WriteJob } from './floor-writer';
import { encodeFileMeta } from '../lib/dataset/part10/file-meta';
import { decodeCommand, encodeCommand, type Command } from '../lib/dimse/command';
import { CommandField } from '../lib/dimse/command-field';
import { Status } from '../lib/dimse/status';
import { withDatasetType } from '../lib/dimse/writer';
import { dcmtkFileName } from '../lib/dcmtk/prefixes';
import { tempPathFor, TempFile } from '../lib/sinks/temp-file';
import { decodePduBody, emptyUserInformation } from '../lib/pdu/decode';
import { encodePdu } from '../lib/pdu/encode';
import { PduParser } from '../lib/pdu/pdu-parser';
import { PDU_HEADER_LENGTH } from '../lib/pdu/constants';
import type { AssociateRq, Pdu } from '../lib/pdu/types';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../lib/implementation';
import { DEFAULT_MAX_PDU } from '../lib/defaults';
import { EXPLICIT_VR_LITTLE_ENDIAN } from '../lib/dataset/codec/transfer-syntax';

type Mode = 'async' | 'sync' | 'reused' | 'worker';
const MODES: readonly Mode[] = ['async', 'sync', 'reused', 'worker'];
/** The PDU type byte of P-DATA-TF (PS3.8 9.3.5): the reused reader parses the other PDUs whole. */
const P_DATA_TF = 0x04;

function fail(msg: string): never {
  process.stderr.write(`floor-receiver: ${msg}\n`);
  process.exit(1);
}

const [portArg, dir, modeArg] = process.argv.slice(2);
const port = Number(portArg);
const mode = modeArg as Mode;
if (!Number.isInteger(port) || !dir || !MODES.includes(mode)) fail(`usage: floor-receiver PORT DIR ${MODES.join('|')}`);

/** Transfer syntax accepted per presentation context (explicit little endian where offered, as ours prefers). */
const syntaxOf = new Map<number, string>();

function associateAc(rq: AssociateRq): Buffer {
  const contexts = rq.presentationContexts.map((pc) => {
    const ts = pc.transferSyntaxes.includes(EXPLICIT_VR_LITTLE_ENDIAN) ? EXPLICIT_VR_LITTLE_ENDIAN : (pc.transferSyntaxes[0] ?? EXPLICIT_VR_LITTLE_ENDIAN);
    syntaxOf.set(pc.id, ts);
    return { id: pc.id, result: 0, transferSyntax: ts };
  });
  const userInfo = { ...emptyUserInformation(), maxPduLength: DEFAULT_MAX_PDU, implementationClassUid: IMPLEMENTATION_CLASS_UID };
  return encodePdu({
    type: 'A-ASSOCIATE-AC', protocolVersion: 1, calledAeTitle: rq.calledAeTitle, callingAeTitle: rq.callingAeTitle,
    applicationContext: rq.applicationContext, presentationContexts: contexts, userInfo,
  });
}

function storeRsp(contextId: number, rq: Command): Buffer {
  const data = encodeCommand(withDatasetType({
    CommandField: CommandField.C_STORE_RSP, MessageIDBeingRespondedTo: rq.MessageID, AffectedSOPClassUID: rq.AffectedSOPClassUID,
    AffectedSOPInstanceUID: rq.AffectedSOPInstanceUID, Status: Status.Success,
  }, false));
  return encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId, isCommand: true, isLast: true, data }] });
}

let written = 0;
let pendingFiles = 0;
let released = false;

/** The file meta of an object received on `contextId` with the request `rq`. */
function metaOf(contextId: number, rq: Command): Buffer {
  return encodeFileMeta({
    mediaStorageSopClassUid: rq.AffectedSOPClassUID ?? '', mediaStorageSopInstanceUid: rq.AffectedSOPInstanceUID ?? '',
    transferSyntaxUid: syntaxOf.get(contextId) ?? EXPLICIT_VR_LITTLE_ENDIAN, implementationClassUid: IMPLEMENTATION_CLASS_UID,
    implementationVersionName: IMPLEMENTATION_VERSION_NAME,
  });
}

/**
 * Writes one object under a temporary name and renames it to `final`, then calls `done`. async and reused: through
 * our TempFile (lib/sinks/temp-file.ts), opened when the command came, as the directory sink's spare is, its meta
 * and values already appended; sync: file meta then `values`, with the same calls on the main thread; worker: the
 * same calls made by the worker thread.
 */
function store(contextId: number, rq: Command, final: string, file: TempFile | null, values: Buffer[], done: () => void): void {
  pendingFiles++;
  const finished = (): void => {
    pendingFiles--;
    written++;
    done();
    maybeExit();
  };
  if (file) {
    file.flush().then(() => file.commit(final)).then(finished, (e: Error) => fail(e.message));
    return;
  }
  const chunks = [metaOf(contextId, rq), ...values];
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const temp = tempPathFor(final);
  if (writer) {
    let bytes = freeBuffers.pop();
    if (!bytes || bytes.length < total) bytes = new Uint8Array(Math.max(total, 1 << 20));
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    const id = nextJob++;
    jobs.set(id, finished);
    const job: WriteJob = { id, temp, final, bytes, length: total };
    writer.postMessage(job, [bytes.buffer as ArrayBuffer]);
    return;
  }
  const fd = openSync(temp, 'wx');
  const n = writevSync(fd, chunks);
  closeSync(fd);
  if (n !== total) fail(`short write: ${n} of ${total} bytes`);
  renameSync(temp, final);
  finished();
}

/**
 * worker: one thread that makes the file calls synchronously, its young generation bounded as the main thread's is,
 * and the objects it has yet to answer.
 */
const writer = mode === 'worker' ? new Worker(join(__dirname, 'floor-writer.js'), { resourceLimits: { maxYoungGenerationSizeMb: 2 } }) : null;
const jobs = new Map<number, () => void>();
/** Object buffers the worker has sent back, filled again for the next objects (nothing allocated per object). */
const freeBuffers: Uint8Array[] = [];
let nextJob = 0;
if (writer) {
  writer.on('message', (d: WriteDone) => {
    if (d.error) fail(d.error);
    const finished = jobs.get(d.id) ?? fail(`an answer for no job (${d.id})`);
    jobs.delete(d.id);
    freeBuffers.push(d.bytes);
    finished();
  });
  writer.on('error', (e) => fail(e.message));
  writer.unref();
}

function maybeExit(): void {
  if (released && pendingFiles === 0) {
    process.stdout.write(`floor-receiver: ${written} files\n`);
    process.exit(0);
  }
}

/** What a connection does with each PDU other than P-DATA, and with each complete command and object. */
class Conversation {
  private command: Command | null = null;
  private file: TempFile | null = null;
  private final = '';
  /** Whether the object's file meta has been appended (before its first value). */
  private started = false;

  constructor(private readonly socket: net.Socket) {}

  control(pdu: Pdu): void {
    if (pdu.type === 'A-ASSOCIATE-RQ') this.socket.write(associateAc(pdu));
    else if (pdu.type === 'A-RELEASE-RQ') {
      released = true;
      this.socket.end(encodePdu({ type: 'A-RELEASE-RP' }));
      maybeExit();
    } else fail(`unexpected ${pdu.type}`);
  }

  commandDone(bytes: Buffer): void {
    this.command = decodeCommand(bytes);
    if (this.command.CommandField !== CommandField.C_STORE_RQ) fail(`unexpected command 0x${this.command.CommandField.toString(16)}`);
    this.final = join(dir as string, dcmtkFileName(this.command.AffectedSOPClassUID ?? '', this.command.AffectedSOPInstanceUID ?? ''));
    this.file = mode === 'sync' || mode === 'worker' ? null : new TempFile(tempPathFor(this.final));
    this.started = false;
  }

  /** async and reused: the next bytes of the object's values, appended to its file (its meta first). */
  value(contextId: number, data: Buffer): void {
    const file = this.file ?? fail('a value without a file');
    if (!this.started) file.append(metaOf(contextId, this.command ?? fail('a data set without a command')));
    this.started = true;
    file.append(data);
  }

  /** The object is complete: `values` holds it for sync, nothing for the others (appended as they came). */
  objectDone(contextId: number, values: Buffer[], done: () => void): void {
    const rq = this.command ?? fail('a data set without a command');
    if (this.file && !this.started) this.file.append(metaOf(contextId, rq)); // a data set of no bytes
    store(contextId, rq, this.final, this.file, values, () => {
      done();
      this.socket.write(storeRsp(contextId, rq));
    });
  }
}

/** async and sync: the socket's own reads (a fresh Buffer each), our PDU parser, PDV values kept as slices. */
function serveFresh(socket: net.Socket): void {
  const talk = new Conversation(socket);
  const parser = new PduParser({ maxPduLength: DEFAULT_MAX_PDU });
  let commandParts: Buffer[] = [];
  let values: Buffer[] = [];
  const onPdu = (pdu: Pdu): void => {
    if (pdu.type !== 'P-DATA-TF') {
      talk.control(pdu);
      return;
    }
    for (const pdv of pdu.pdvs) {
      if (pdv.isCommand) {
        commandParts.push(pdv.data);
        if (pdv.isLast) {
          talk.commandDone(Buffer.concat(commandParts));
          commandParts = [];
        }
      } else {
        if (mode === 'sync' || mode === 'worker') values.push(pdv.data);
        else talk.value(pdv.contextId, pdv.data);
        if (pdv.isLast) {
          talk.objectDone(pdv.contextId, values, () => {});
          values = [];
        }
      }
    }
  };
  socket.on('data', (chunk: Buffer) => parser.parse(chunk, onPdu));
}

/**
 * reused: reads into one buffer that the next read overwrites, so everything kept is copied out at once: a value
 * into the object buffer (taken from a free list, returned when its file is written), a command or another PDU into
 * a buffer of its own.
 */
function serveReused(accepted: net.Socket): void {
  // Node offers `onread` only to sockets it creates; an accepted one is rebuilt around its handle (private API).
  const handle = (accepted as unknown as { _handle: unknown })._handle;
  (accepted as unknown as { _handle: unknown })._handle = null;
  accepted.destroy();
  const readBuffer = Buffer.allocUnsafe(64 * 1024);
  const freeObjects: Buffer[] = [];
  const header = Buffer.alloc(PDU_HEADER_LENGTH);
  const pdvHeader = Buffer.alloc(6);
  let headerFill = 0;
  let pduType = 0;
  let pduLeft = 0;
  let other: Buffer | null = null;
  let otherFill = 0;
  let pdvHeaderFill = 0;
  let valueLeft = 0;
  let control = 0;
  let contextId = 0;
  let command: Buffer = Buffer.alloc(1024);
  let commandFill = 0;
  let object: Buffer = Buffer.allocUnsafe(1 << 20);
  let objectFill = 0;
  const grow = (b: Buffer, need: number): Buffer => (need <= b.length ? b : Buffer.concat([b], Math.max(need, b.length * 2)));
  const valueDone = (): void => {
    pdvHeaderFill = 0;
    if (!(control & 2)) return;
    if (control & 1) {
      talk.commandDone(command.subarray(0, commandFill));
      commandFill = 0;
      return;
    }
    const full = object;
    talk.objectDone(contextId, [], () => freeObjects.push(full));
    object = freeObjects.pop() ?? Buffer.allocUnsafe(full.length);
    objectFill = 0;
  };
  const onRead = (n: number, b: Buffer): void => {
    let o = 0;
    while (o < n) {
      if (headerFill < PDU_HEADER_LENGTH) {
        const k = Math.min(PDU_HEADER_LENGTH - headerFill, n - o);
        b.copy(header, headerFill, o, o + k);
        headerFill += k;
        o += k;
        if (headerFill < PDU_HEADER_LENGTH) break;
        pduType = header[0] as number;
        pduLeft = header.readUInt32BE(2);
        if (pduType !== P_DATA_TF) {
          other = Buffer.allocUnsafe(pduLeft);
          otherFill = 0;
        }
      } else if (pduType !== P_DATA_TF) {
        const body = other as Buffer;
        const k = Math.min(pduLeft, n - o);
        b.copy(body, otherFill, o, o + k);
        otherFill += k;
        o += k;
        pduLeft -= k;
      } else if (valueLeft === 0 && pdvHeaderFill < 6) {
        const k = Math.min(6 - pdvHeaderFill, n - o);
        b.copy(pdvHeader, pdvHeaderFill, o, o + k);
        pdvHeaderFill += k;
        o += k;
        pduLeft -= k;
        if (pdvHeaderFill === 6) {
          valueLeft = pdvHeader.readUInt32BE(0) - 2;
          contextId = pdvHeader[4] as number;
          control = pdvHeader[5] as number;
          if (valueLeft === 0) valueDone();
        }
      } else {
        const k = Math.min(valueLeft, n - o);
        if (control & 1) {
          command = grow(command, commandFill + k);
          b.copy(command, commandFill, o, o + k);
          commandFill += k;
        } else {
          object = grow(object, objectFill + k);
          b.copy(object, objectFill, o, o + k);
          talk.value(contextId, object.subarray(objectFill, objectFill + k));
          objectFill += k;
        }
        o += k;
        valueLeft -= k;
        pduLeft -= k;
        if (valueLeft === 0) valueDone();
      }
      if (headerFill === PDU_HEADER_LENGTH && pduLeft === 0) {
        headerFill = 0;
        if (pduType !== P_DATA_TF) talk.control(decodePduBody(pduType, other as Buffer));
      }
    }
  };
  const options = { handle, onread: { buffer: readBuffer, callback: onRead } } as unknown as net.SocketConstructorOpts;
  const socket = new net.Socket(options);
  const talk = new Conversation(socket);
  socket.setNoDelay(true);
  socket.on('error', (e) => fail(e.message));
}

const server = net.createServer({ pauseOnConnect: mode === 'reused' }, (socket) => {
  socket.setNoDelay(true);
  socket.on('error', (e) => fail(e.message));
  if (mode === 'reused') serveReused(socket);
  else serveFresh(socket);
});
server.on('error', (e) => fail(e.message));
server.listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
