/**
 * The environment every effectful step runs in: the disk, the journal, the clock and the id generator
 * come in here, so that the crash simulator, a fault injector or a fixed clock can stand in.
 */
import type { FileSystem } from './fs/fileSystem.js';
import type { Journal } from './journal/journal.js';

/** What every step of the engine is given. */
export interface Env {
  readonly fs: FileSystem;
  readonly journal: Journal;
  readonly now: () => number;
  /** A sortable (time-ordered), unique id. */
  readonly newId: () => string;
}
