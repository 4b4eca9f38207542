/**
 * Stages: object-mode Transforms of ReceivedObjects between a retrieval and its sink (through2 makes them
 * one-liners). The store service sends each C-STORE-RSP only when the object is settled (accept / reject) by the
 * last stage or the sink, so what a stage does with an object is what the archive hears:
 *
 * - Drops it (filterObjects): the stage settles it. 'accept' (default): the archive hears success (0x0000) and counts
 *   the object as stored, though nothing was kept. 'reject': it hears 0xA700 (out of resources, "refused by a filter
 *   stage"); it counts a failed sub-operation and its final C-MOVE response is usually 0xB000 (warning: one or more
 *   failures). A stage that drops an object without settling it leaves the archive waiting (see delays).
 * - Rejects it: the archive hears that status and comment. withAttributes answers 0xC000 (cannot understand) for a
 *   data set it cannot parse and does not pass the object on; rewriteAttributes answers 0xC000 for a data set that
 *   does not parse and 0xA700 for any other failure (a value the VR cannot hold, a function that throws), rejecting
 *   BEFORE the passed-on body fails, so that its answer wins over the sink's.
 * - Delays it (slow work, or backpressure from a slow sink): the response waits, and the archive sends nothing more
 *   on that association meanwhile. Archives give up on a response after their DIMSE timeout: Orthanc after 10 s by
 *   default (DicomScuTimeout), then aborts the association and fails the rest of the C-MOVE; DCMTK's tools wait
 *   forever unless given -td. Keep the time an object spends in the stages well under that.
 * - Throws: never do; settle the object instead (reject it). A stage that passes an error to its callback (or
 *   destroys itself with one) fails the pipeline: every stream is destroyed, the retrieval included, and the
 *   pipeline rejects with that error; objects in the stages and any that arrive later are never settled, so the
 *   archive hears no response for them until its timeout and then aborts; the C-MOVE still runs to its final
 *   response (retrieval.result). A synchronous throw in a transform is not caught by streams at all: if the object
 *   was waiting in a buffer, it is an uncaught exception (the process exits); if it reached the stage at once, the
 *   throw comes out of the store service's delivery, which aborts the sub-association (the archive hears an
 *   A-ABORT), and the stage is left stuck. A rejected promise nobody awaits ends the process (Node's default).
 */
export { tapObjects } from './tap';
export { filterObjects } from './filter';
export { withAttributes, type WithAttributes, type AttributedObject, type WithAttributesOptions, type AttributeValue, type Attributes } from './with-attributes';
export { rewriteAttributes, valueText, type AttributeChange, type AttributeChanges, type RewriteAttributesOptions } from './rewrite-attributes';
