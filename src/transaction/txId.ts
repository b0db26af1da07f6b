/**
 * Transaction ids: sortable by time (base-36 milliseconds first), unique across processes (a random tail),
 * and safe inside file names (lower-case letters and digits only).
 */
import { randomBytes } from 'node:crypto';

let lastMs = -1;
let counter = 0;

/**
 * A new transaction id for time `now` (epoch ms): 9 characters of time, 3 of a per-process counter, 5 random.
 * @example newTxId(Date.now()) // 'mif8w1k2h0001x9k2a'
 */
export const newTxId = (now: number = Date.now()): string => {
  if (now === lastMs) counter += 1;
  else {
    lastMs = now;
    counter = 0;
  }
  const time = Math.max(0, Math.floor(now)).toString(36).padStart(9, '0');
  const seq = (counter % 46656).toString(36).padStart(3, '0');
  const tail = [...randomBytes(5)].map((b) => (b % 36).toString(36)).join('');
  return `${time}${seq}${tail}`;
};
