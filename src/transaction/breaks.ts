/**
 * Deliberate defects of the commit protocol, for the crash suite only: each flag makes the protocol wrong
 * in one known way, so that a test can prove the crash checks notice it. Never set outside tests.
 */

/** Which step of the commit protocol to get wrong. All default to false (the correct protocol). */
export interface ProtocolBreaks {
  /** Skip step 8: the parent directories are not fsynced after the renames. */
  readonly noDirSync?: boolean;
  /** Perform step 7 (the renames) before step 6 (the commit point). */
  readonly renameBeforeCommitPoint?: boolean;
  /** Stage temp files without fdatasync. */
  readonly noTempSync?: boolean;
  /** Write the commit point without awaiting the journal flush. */
  readonly commitPointNotFlushed?: boolean;
}

/** The correct protocol. */
export const noBreaks: ProtocolBreaks = {};
