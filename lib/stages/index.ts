/**
 * Helpers for user stages between a retrieval and its sink. A stage is an object-mode Transform of ReceivedObjects
 * (through2 makes them one-liners); whatever it drops it must settle, since the C-STORE-RSP waits for that.
 */
export { tapObjects } from './tap';
export { filterObjects } from './filter';
export { withAttributes, type WithAttributes, type AttributedObject, type WithAttributesOptions, type AttributeValue, type Attributes } from './with-attributes';
export { rewriteAttributes, valueText, type AttributeChange, type AttributeChanges, type RewriteAttributesOptions } from './rewrite-attributes';
