/** Helpers for tests and benchmarks against real DCMTK peers. See each module for details. */
export { freePort, waitForListening } from '../net';
export { tempDir, type TempDir } from './tmp';
export { spawnGroup, runProcess, type RunResult } from './proc';
export { startDcmqrscp, startDcmqrscpServing, indexIntoDcmqrscp, type Dcmqrscp } from './dcmqrscp';
export {
  runMovescu,
  runTimed,
  readTimeFile,
  TIME_FORMAT,
  runBoth,
  type PairRun,
  studyMoveArgs,
  movescuCommand,
  repoRoot,
  oursMovescuPath,
  oursMovescuAvailable,
  type MovescuImpl,
  type MovescuResult,
  type ResourceUsage,
} from './movescu';
export { compareDirs, compareFiles, formatDirDiff, readPart10Header, datasetWithoutPadding } from './compare';
export { associationBlocks, byAssociation } from './log-compare';
