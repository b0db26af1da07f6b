/**
 * Deliberate defects of the commit protocol, for the crash suite only: each flag replaces one step of the store's
 * step table with a wrong one, so that a test can prove the crash checks notice it. Never set outside tests.
 */
import { makeDurable } from '../transaction/apply.js';
import { stageOps } from '../transaction/stage.js';
import type { CommitSteps } from '../transaction/steps.js';

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

/** `steps` with each step that `breaks` names replaced by its broken form. */
export const breakProtocol = (steps: CommitSteps, breaks: ProtocolBreaks): CommitSteps => ({
  ...steps,
  ...(breaks.noDirSync === true ? { makeDurable: (ctx, ops) => makeDurable(ctx, ops, { sync: false }) } : {}),
  ...(breaks.noTempSync === true ? { stage: (ctx, ops, signal) => stageOps(ctx, ops, signal, { sync: false }) } : {}),
  ...(breaks.commitPointNotFlushed === true ? { flushCommitPoint: async () => undefined } : {}),
  ...(breaks.renameBeforeCommitPoint === true
    ? {
        writeCommitPoint: async (ctx, rec, ops) => {
          await steps.apply(ctx, ops);
          await steps.writeCommitPoint(ctx, rec, ops);
        },
        apply: async () => undefined,
      }
    : {}),
});
