/**
 * Turns a conflict policy and a conflict into a decision.
 */
import { TxfsError } from '../errors.js';
import type { Conflict, ConflictPolicy } from '../types.js';

/** What to do about a conflict once it is resolved (`fail` and `cancel` become errors). */
export type ConflictDecision = 'overwrite' | 'skip' | 'rename' | 'keep-both';

const decisions: readonly string[] = ['overwrite', 'skip', 'rename', 'keep-both'];

const describe = (c: Conflict): string => {
  switch (c.kind) {
    case 'exists':
      return `${c.path} already exists`;
    case 'read-only':
      return `${c.path} is read-only`;
    case 'locked':
      return `${c.path} is locked${c.holder === undefined ? '' : ` by ${c.holder}`}`;
    case 'permission':
      return `permission denied on ${c.path}`;
    case 'changed':
      return `${c.path} changed since the transaction looked at it`;
    default: {
      const never: never = c.kind;
      return `conflict ${String(never)} on ${c.path}`;
    }
  }
};

/** The ECONFLICT error for `conflict`, declined because of `why`. */
export const conflictError = (conflict: Conflict, why: string): TxfsError =>
  new TxfsError('ECONFLICT', `ECONFLICT: ${describe(conflict)} (${why}); nothing was changed`, { path: conflict.path, conflict });

/**
 * Applies `policy` to `conflict`: a fixed answer is returned as is, a callback is asked.
 * @throws TxfsError ECONFLICT (with `conflict`) for 'fail', for a callback answering 'cancel', or when the callback throws.
 * @throws TypeError when the policy or the callback's answer is not one of the known ones.
 */
export const resolveConflict = async (policy: ConflictPolicy, conflict: Conflict): Promise<ConflictDecision> => {
  if (policy === 'fail') throw conflictError(conflict, "policy 'fail'");
  if (typeof policy === 'function') {
    let answer: unknown;
    try {
      answer = await policy(conflict);
    } catch (e) {
      if (e instanceof TxfsError) throw e;
      throw new TxfsError('ECONFLICT', `ECONFLICT: ${describe(conflict)} and the conflict handler failed: ${e instanceof Error ? e.message : String(e)}`, {
        path: conflict.path,
        conflict,
        cause: e,
      });
    }
    if (answer === 'cancel') throw conflictError(conflict, 'cancelled');
    if (typeof answer === 'string' && decisions.includes(answer)) return answer as ConflictDecision;
    throw new TypeError(`conflict handler answered ${JSON.stringify(answer)}; expected overwrite, skip, rename, keep-both or cancel`);
  }
  if (decisions.includes(policy)) return policy;
  throw new TypeError(`unknown conflict policy ${JSON.stringify(policy)}`);
};
