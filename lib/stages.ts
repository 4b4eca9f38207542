/**
 * Helpers for user stages between a retrieval and its sink. A stage is an object-mode Transform of ReceivedObjects
 * (through2 makes them one-liners); whatever it drops it must settle, since the C-STORE-RSP waits for that.
 */
import through2 from 'through2';
import type { Transform } from 'node:stream';
import type { ReceivedObject } from './received-object';

/** Calls `fn` for each object (progress, logging, counting) and passes it on unchanged. */
export function tapObjects(fn: (obj: ReceivedObject) => void): Transform {
  return through2.obj(function (obj: ReceivedObject, _enc, done) {
    fn(obj);
    done(null, obj);
  });
}

/**
 * Passes on the objects `keep` accepts; each other one is drained and settled here: accepted (default: the archive
 * sees success, the object is simply not kept) or refused with a failure status.
 */
export function filterObjects(keep: (obj: ReceivedObject) => boolean, dropped: 'accept' | 'reject' = 'accept'): Transform {
  return through2.obj(function (obj: ReceivedObject, _enc, done) {
    if (keep(obj)) return done(null, obj);
    obj.body.resume();
    if (dropped === 'accept') obj.accept(); else obj.reject('out-of-resources', 'refused by a filter stage');
    done();
  });
}
