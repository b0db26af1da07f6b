/**
 * Ids for writes that have no transaction (writeFileAtomic, its sidecars and backup index): unique across processes,
 * no `.` or `/`, and naming their writer so that a later write can tell a dead writer's temp file from a live one's:
 * `<pid>-<start>-<host>-<random><n>` (pid, start time and counter in base 36, `x` for an unknown start time, the host
 * tag and six random hex digits of this process). A store's transaction ids have no `-`: they never parse as one.
 */
import { randomBytes } from 'node:crypto';
import { processWriters, type WriterIdentity, type Writers } from './writers.js';

const tag = randomBytes(3).toString('hex');
let counter = 0;
const shape = /^([0-9a-z]{1,11})-([0-9a-z]{1,13}|x)-([0-9a-f]{8})-[0-9a-f]{6}[0-9a-z]+$/;

/** A fresh id naming `me` as its writer. */
const idOf = (me: WriterIdentity): string => {
  const start = me.start === null ? 'x' : Number(me.start).toString(36);
  return `${me.pid.toString(36)}-${start}-${me.host}-${tag}${(counter++).toString(36)}`;
};

/**
 * A fresh id naming this process (as `writers` sees it) as its writer.
 * @example await localId() // '1b3k-9x2f-5e0c41aa-3fa9c10'
 */
export const localId = async (writers: Writers = processWriters): Promise<string> => idOf(await writers.self());

/**
 * `localId`, synchronously (`writers.selfSync`).
 * @throws TypeError when `writers` cannot tell who this process is synchronously.
 */
export const localIdSync = (writers: Writers = processWriters): string => {
  if (writers.selfSync === undefined) throw new TypeError('localIdSync: this process table has no selfSync');
  return idOf(writers.selfSync());
};

/** The writer a `localId` names, or undefined for any other id (a store's transaction id, a name of the user's). */
export const writerOfId = (id: string): WriterIdentity | undefined => {
  const m = shape.exec(id);
  if (m === null) return undefined;
  const [, pid = '', start = '', host = ''] = m;
  return { pid: parseInt(pid, 36), start: start === 'x' ? null : String(parseInt(start, 36)), host };
};
