/** Helpers for tests and benchmarks against real DCMTK peers. See each module for details. */
export { freePort, waitForListening } from './net';
export { tempDir, type TempDir } from './tmp';
export { spawnGroup, runProcess, TailBuffer, type GroupProcess, type RunResult, type RunOptions } from './proc';
export {
  startDcmqrscp,
  indexIntoDcmqrscp,
  listDcmqrscpIndex,
  dcmqrscpConfig,
  type Dcmqrscp,
  type DcmqrscpOptions,
  type MoveDestination,
} from './dcmqrscp';
export {
  runMovescu,
  runTimed,
  runBoth,
  type PairRun,
  studyMoveArgs,
  movescuCommand,
  repoRoot,
  oursMovescuPath,
  oursMovescuAvailable,
  type MovescuImpl,
  type MovescuResult,
  type RunMovescuOptions,
  type ResourceUsage,
  type StudyMoveArgs,
} from './movescu';
export {
  compareDirs,
  compareFiles,
  formatDirDiff,
  readPart10Header,
  datasetWithoutPadding,
  META_IGNORED,
  type DirDiff,
  type FileDiff,
  type MetaElement,
  type Part10Header,
} from './compare';
export { startStorescp, runStorescu, type Storescp, type StorescpOptions } from './storescp';
