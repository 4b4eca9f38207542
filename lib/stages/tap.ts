/** tapObjects: look at each object on its way (progress, logging, counting) without touching it. */
import through2 from 'through2';
import type { Transform } from 'node:stream';
import type { ReceivedObject } from '../received-object';

/** Calls `fn` for each object and passes it on unchanged. */
export function tapObjects(fn: (obj: ReceivedObject) => void): Transform {
  return through2.obj(function (obj: ReceivedObject, _enc, done) {
    fn(obj);
    done(null, obj);
  });
}
