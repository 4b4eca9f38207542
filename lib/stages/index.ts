/**
 * Helpers for user stages between a retrieval and its sink. A stage is an object-mode Transform of ReceivedObjects
 * (through2 makes them one-liners); whatever it drops it must settle, since the C-STORE-RSP waits for that.
 */
export { tapObjects } from './tap';
export { filterObjects } from './filter';
