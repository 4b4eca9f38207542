/**
 * The shape every stream sink shares (part10, tar, multipart): each object's Part 10 bytes are made once
 * (part10-writer.ts, into a Spool), then handed to a format's EntryWriter, which writes them to any Writable; the
 * object is accepted only once its last byte has been handed on. An output that fails (a closed pipe: `| head`)
 * is reported once, and that object and every later one are rejected (the archive hears "out of resources" for
 * each remaining sub-operation) instead of the retrieval hanging or crashing on EPIPE.
 */
import { tmpdir } from 'node:os';
import type { Writable } from 'node:stream';
import { objectSink, Turns } from './object-sink';
import { silentLogger, type Logger } from '../log';
import type { ReceivedObject } from '../received-object';
import { objectFileName, rejectFailed } from './settle';
import { writtenTransferSyntax } from './output-mode';
import { writePart10, type ObjectEncoder, type Part10Options } from './part10-writer';
import { Spool } from './spool';

/** One object as a format sees it. */
export interface Entry {
  /** DCMTK's file name for it (PREFIX.SOPInstanceUID), or the user's. */
  name: string;
  size: number;
  /** The transfer syntax its data set is written in. */
  transferSyntaxUid: string;
}

/** A stream format: how each object, and the end, are written. */
export interface EntryWriter {
  /** Writes one object; resolves once every byte of `body` has been handed to the output. */
  entry(e: Entry, body: Spool): Promise<void>;
  /** After the last object: closing delimiters, end of the output. */
  finish(): Promise<void>;
}

export interface StreamSinkOptions extends Part10Options {
  logger?: Logger;
  /** The name of each object (tar member, log lines); DCMTK's PREFIX.SOPInstanceUID by default. */
  fileName?(obj: ReceivedObject): string;
  /** Where objects over 2 MiB wait until they are handed on (default: the system's temporary directory). */
  spoolDirectory?: string;
  /** Called once if the output fails; every object from then on is rejected. */
  onOutputError?(err: Error): void;
  /** What each entry holds: its Part 10 file by default. */
  encode?: ObjectEncoder;
  /** Objects received at once (default 4); they go out one at a time, in the order they complete. */
  concurrency?: number;
}

export function streamSink(writer: EntryWriter, opts: StreamSinkOptions): Writable {
  const log = opts.logger ?? silentLogger;
  const spoolDirectory = opts.spoolDirectory ?? tmpdir();
  const encode = opts.encode ?? ((o, l, t) => writePart10(o, opts, l, t));
  let broken: Error | null = null;
  const turns = new Turns();
  const outputFailed = (e: Error, name: string): void => {
    if (broken) return;
    broken = e;
    log.error(`output failed (${e.message}) at ${name}: it and every later object are refused`);
    opts.onOutputError?.(e);
  };

  async function handle(obj: ReceivedObject): Promise<void> {
    const name = objectFileName(obj, opts.fileName);
    if (broken) {
      obj.reject('out-of-resources', 'output closed');
      return;
    }
    const spool = new Spool(spoolDirectory);
    try {
      try {
        await encode(obj, log, spool);
      } catch (e) {
        rejectFailed(obj, e as Error, name, log);
        return;
      }
      const transferSyntaxUid = writtenTransferSyntax(opts.mode ?? { kind: 'normal' }, obj.transferSyntaxUid);
      try {
        const size = await spool.size();
        await turns.take(async () => {
          if (broken) throw broken;
          await writer.entry({ name, size, transferSyntaxUid }, spool);
        });
      } catch (e) {
        outputFailed(e as Error, name);
        obj.reject('out-of-resources', 'output closed');
        return;
      }
      obj.accept();
    } finally {
      await spool.discard();
    }
  }

  return objectSink(handle, opts.concurrency, async () => {
    if (broken) return;
    await writer.finish().catch((e: Error) => outputFailed(e, 'the end of the output'));
  });
}

/** Ends `out` and waits for it to finish (an output that fails on its last bytes fails here). */
export function endOutput(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    out.once('error', reject);
    out.end(() => { out.off('error', reject); resolve(); });
  });
}
