/**
 * dimse-stream's public API. A retrieval is an object-mode Readable of received objects; a sink is a Writable
 * that settles each object (which releases its C-STORE-RSP); anything in between is the user's own stage.
 *
 *   const r = retrieve({ host, port, calledAeTitle: 'ARCHIVE', listenPort: 11113, queries: [[...]] });
 *   await pipeline(r, directorySink({ directory: 'out' }));
 *   const { finals } = await r.result;
 */
export { retrieve } from './services/retrieve';
export { QUERY_MODELS, type QueryModel } from './services/sop-classes';
export type { RetrieveOptions, RetrieveSummary, Retrieval, RetrieveEvent } from './services/retrieve';
export { dcmtkRetrieveLog } from './cli/retrieve-log';
export type { AdmissionPolicy } from './services/negotiation';
export type { StoreProgress } from './services/store-scp';
export type { MoveResponse } from './services/move-scu';
export type { ReceivedObject, ReceivedObjectInfo, StoreOutcome, StoreFailureReason } from './received-object';
export { directorySink } from './sinks/directory';
export type { DirectorySinkOptions } from './sinks/directory';
export { part10Sink } from './sinks/part10';
export type { Part10SinkOptions } from './sinks/part10';
export { tarSink } from './sinks/tar';
export { multipartSink, multipartContentType } from './sinks/multipart';
export { randomBoundary } from './sinks/boundary';
export type { MultipartSinkOptions } from './sinks/multipart';
export type { StreamSinkOptions } from './sinks/stream-sink';
export { jsonSink, jsonDirectorySink } from './sinks/json';
export type { JsonSinkOptions, JsonDirectorySinkOptions } from './sinks/json';
export type { JsonBulkDataOptions } from './dataset/codec/json-encoder';
export type { OutputMode } from './sinks/output-mode';
export { dcmtkFileName, filePrefix } from './dcmtk/prefixes';
export { echo } from './services/echo-scu';
export type { EchoOptions } from './services/echo-scu';
export { Status, statusClass, moveStatusString, moveOutcome } from './dimse/status';
export { DimseError } from './errors';
export { ERROR_CODES, type ErrorCode } from './error-codes';
export type { ErrorPlace } from './errors';
export type { Logger, LogLevel } from './log';
export type { DataElement } from './dataset/codec/element';
export { buildIdentifier } from './cli/identifier';
export { tapObjects, filterObjects, withAttributes, rewriteAttributes, valueText, type WithAttributes, type AttributedObject, type WithAttributesOptions, type AttributeValue, type Attributes, type AttributeChange, type AttributeChanges, type RewriteAttributesOptions } from './stages';
