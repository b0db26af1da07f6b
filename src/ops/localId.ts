/**
 * Ids for writes that have no transaction (writeFileAtomic): unique across processes, no `.` or `/`.
 */
import { randomBytes } from 'node:crypto';

const prefix = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
let counter = 0;

/** A fresh id: time, process, a random tag and a counter. */
export const localId = (): string => `${Date.now().toString(36)}${prefix}${(counter++).toString(36)}`;
