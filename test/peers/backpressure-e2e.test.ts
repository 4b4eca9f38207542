/**
 * Issue 14, item 4: backpressure from end to end. Our archive sends a 32 MiB object (and a few small ones) through a
 * counting TCP proxy to retrieve(), whose sink reads each body at about 16 MB/s. While the sink is slow the archive
 * must be held back: the bytes it has sent but the sink has not yet read stay within the socket buffers and a few
 * PDUs (measured at every chunk the sink reads), the process's memory does not grow with the object, and the
 * retrieval completes with every object stored.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { startOwnArchive } from '../helpers/archive';
import { writeSyntheticStudy } from '../../lib/archive/synthetic';
import { buildIdentifier, retrieve, type ReceivedObject } from '../../lib/index';
import { freePort, tempDir } from '../helpers/peers';
import { cleanupsAfter } from '../helpers/cleanups';

const MB = 1024 * 1024;
const tmp = tempDir('backpressure-e2e');
const closers = cleanupsAfter(() => tmp.cleanup());

/** A TCP proxy that forwards both ways and counts the bytes going from `listen` clients to `target`'s clients. */
async function countingProxy(targetPort: number): Promise<{ port: number; forwarded: () => number }> {
  let forwarded = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    client.on('data', (c: Buffer) => { forwarded += c.length; });
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as net.AddressInfo).port, forwarded: () => forwarded };
}

test('a slow sink holds the archive back: bytes in flight and memory stay bounded; every object is stored', async (t) => {
  const listenPort = await freePort();
  const proxy = await countingProxy(listenPort);
  const { study, qrPort, close } = await startOwnArchive({
    folder: join(tmp.path, 'src'),
    study: (f) => writeSyntheticStudy(f, {
      series: [
        { sopClassUid: '1.2.840.10008.5.1.4.1.1.7', modality: 'OT', count: 1, rows: 4096, columns: 4096 },
        { sopClassUid: '1.2.840.10008.5.1.4.1.1.2', modality: 'CT', count: 3, rows: 256, columns: 256 },
      ],
    }),
    moveDestinations: [{ ae: 'MOVESCU', port: proxy.port }],
  });
  closers.push(close);

  const queries = await buildIdentifier([], ['QueryRetrieveLevel=STUDY', `StudyInstanceUID=${study.studyInstanceUid}`]);
  const r = retrieve({ host: '127.0.0.1', port: qrPort, calledAeTitle: 'ARCHIVE', model: 'study', listenPort, queries });
  let consumed = 0;
  let maxInFlight = 0;
  const rss0 = process.memoryUsage().rss;
  let maxRss = rss0;
  const t0 = Date.now();
  const RATE = 16 * MB; // bytes per second the sink reads
  const slowSink = new Writable({
    objectMode: true,
    highWaterMark: 1,
    write(obj: ReceivedObject, _enc, done) {
      (async () => {
        for await (const chunk of obj.body as AsyncIterable<Buffer>) {
          consumed += chunk.length;
          maxInFlight = Math.max(maxInFlight, proxy.forwarded() - consumed);
          maxRss = Math.max(maxRss, process.memoryUsage().rss);
          const due = t0 + (consumed / RATE) * 1000;
          if (due > Date.now()) await new Promise((res) => setTimeout(res, due - Date.now()));
        }
        obj.accept();
      })().then(() => done(), (e: Error) => { obj.reject(); done(e); });
    },
  });
  await pipeline(r, slowSink);
  const summary = await r.result;
  assert.equal(summary.received, study.files.length);
  assert.equal(summary.finals[0]?.status, 0);
  assert.equal(summary.finals[0]?.completed, study.files.length);
  const total = study.files.length;
  t.diagnostic(`read ${(consumed / MB).toFixed(1)} MB in ${Date.now() - t0} ms; at most ${(maxInFlight / MB).toFixed(2)} MB in flight; RSS +${((maxRss - rss0) / MB).toFixed(1)} MB`);
  assert.ok(consumed > 32 * MB, `${consumed} bytes read, ${total} objects`);
  // Socket buffers on both sides of the proxy (loopback autotuning reaches a few MB each) plus a few 16 KB PDUs:
  // far below the 32 MiB object, which a sender that is not held back would have pushed at once.
  assert.ok(maxInFlight < 12 * MB, `at most ${(maxInFlight / MB).toFixed(1)} MB in flight`);
  assert.ok(maxRss - rss0 < 48 * MB, `RSS grew by ${((maxRss - rss0) / MB).toFixed(1)} MB`);
  // Not vacuous: the sink really was the slow part (32 MiB at 16 MB/s is about 2 s).
  assert.ok(Date.now() - t0 > 1500);
});
