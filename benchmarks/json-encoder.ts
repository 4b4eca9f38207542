/**
 * The DICOM JSON encoder alone (no network, no sink): a Part 10 file's data set, cut into chunks the size of the
 * P-DATA values a peer sends, through DatasetTokenizer → DicomJsonEncoder into a sink that only counts bytes.
 *
 *   node dist/benchmarks/json-encoder.js FILE [--chunk 16372] [--runs 3]
 *
 * Prints, per run, the wall time, the CPU time of this process, MB/s of input and the JSON bytes written.
 */
import minimist from 'minimist';
import { open } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseFileMeta } from '../lib/dataset/part10/file-meta';
import { DatasetTokenizer } from '../lib/dataset/codec/tokenizer';
import { DicomJsonEncoder } from '../lib/dataset/codec/json-encoder';

const args = minimist(process.argv.slice(2), { default: { chunk: 16372, runs: 3 } });

/** The file's data set in chunks of `chunk` bytes, each in a fresh Buffer (as the PDU reader's slices are). */
async function* chunks(file: string, from: number, chunk: number): AsyncGenerator<Buffer> {
  const fh = await open(file, 'r');
  try {
    let pos = from;
    const big = Buffer.allocUnsafe(4 * 1024 * 1024);
    for (;;) {
      const { bytesRead } = await fh.read(big, 0, big.length, pos);
      if (bytesRead === 0) return;
      pos += bytesRead;
      for (let o = 0; o < bytesRead; o += chunk) yield Buffer.from(big.subarray(o, Math.min(o + chunk, bytesRead)));
    }
  } finally {
    await fh.close();
  }
}

async function main(): Promise<void> {
  const file = args._[0] as string | undefined;
  if (!file) {
    console.log('usage: node dist/benchmarks/json-encoder.js FILE [--chunk BYTES] [--runs N]');
    process.exit(2);
  }
  const fh = await open(file, 'r');
  const head = Buffer.alloc(64 * 1024);
  const { bytesRead } = await fh.read(head, 0, head.length, 0);
  const size = (await fh.stat()).size;
  await fh.close();
  const meta = parseFileMeta(head.subarray(0, bytesRead), { final: false, file });
  if (!meta) throw new Error(`${file}: no file meta in the first 64 KiB`);
  const ts = meta.transferSyntaxUid ?? "1.2.840.10008.1.2.1";
  const input = size - meta.datasetOffset;
  for (let run = 1; run <= Number(args.runs); run++) {
    let out = 0;
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    await pipeline(
      Readable.from(chunks(file, meta.datasetOffset, Number(args.chunk)), { objectMode: false }),
      new DatasetTokenizer({ transferSyntax: ts, strictLengths: 'value-size' }),
      new DicomJsonEncoder({ inputTransferSyntax: ts }),
      new Writable({ write(c: Buffer, _e, done) { out += c.length; done(); } }),
    );
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(c0);
    console.log(`run ${run}: wall ${wall.toFixed(2)} s, cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s, ` +
      `${(input / 1e6 / wall).toFixed(0)} MB/s in, ${(out / 1e6).toFixed(0)} MB of JSON, rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
