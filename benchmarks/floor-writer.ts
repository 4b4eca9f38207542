/**
 * The worker of floor-receiver's `worker` mode: writes each object it is sent with synchronous file calls (open,
 * write, close, rename), off the main thread, and answers each with its id (and the error's message if one failed).
 */
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

export interface WriteJob { id: number; temp: string; final: string; bytes: Uint8Array; length: number }
export interface WriteDone { id: number; error?: string; bytes: Uint8Array }

const port = parentPort;
if (!port) throw new Error('floor-writer runs as a worker thread');
port.on('message', (job: WriteJob) => {
  const done: WriteDone = { id: job.id, bytes: job.bytes };
  try {
    const fd = openSync(job.temp, 'wx');
    try {
      for (let at = 0; at < job.length;) {
        const n = writeSync(fd, job.bytes, at, job.length - at);
        if (n <= 0) throw new Error(`short write: ${at} of ${job.length} bytes`);
        at += n;
      }
    } finally {
      closeSync(fd);
    }
    renameSync(job.temp, job.final);
  } catch (e) {
    done.error = e instanceof Error ? e.message : String(e);
  }
  port.postMessage(done, [job.bytes.buffer as ArrayBuffer]); // back to the main thread, to be filled again
});
