/**
 * txfs/testing: crash-test code that uses txfs. A crash world (simulated disk + journal cut off after any call),
 * workload generators, a workload runner and the invariant checks of DESIGN.md; plus the fault injector.
 */
export { createCrashWorld } from './crashWorld.js';
export type { CrashWorld, CrashWorldOptions, CrashChoice, JournalDurability, TraceRecord } from './crashWorld.js';
export type { JournalSemantics } from './memoryJournal.js';
export { CrashError, isCrash } from './crashError.js';
export type { CrashModel } from './survivors.js';
export { arbitraries, FILE_PATHS, DIR_PATHS } from './arbitraries.js';
export type { WorkloadOptions } from './arbitraries.js';
export { runWorkload } from './runWorkload.js';
export type { RunOptions } from './runWorkload.js';
export { checkInvariants, checkIdempotence, filesOf, describeBytes } from './checkInvariants.js';
export type { Violation, CheckOptions } from './checkInvariants.js';
export { contentOf, describeWorkload, modelStates } from './workload.js';
export type { Workload, WorkloadOp, Acknowledged, TxOutcome, ModelState, ExistsPolicy } from './workload.js';
export { createProcessTable } from './processTable.js';
export type { ProcessTable, SimulatedProcess } from './processTable.js';
export { breakJournal, breakProtocol, breakRecovery, renameBeforeTempSync } from './protocolBreaks.js';
export type { ProtocolBreaks } from './protocolBreaks.js';
export { createFaultyFileSystem } from './faultyFileSystem.js';
export type { Fault, FaultyFileSystem, FsCallKind, FsCallRecord } from './faultyFileSystem.js';
