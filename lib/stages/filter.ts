/** filterObjects: keep some objects, settle the others here (the C-STORE-RSP waits for that). */
import through2 from 'through2';
import type { Transform } from 'node:stream';
import type { ReceivedObject } from '../received-object';

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
