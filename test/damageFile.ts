/** Corrupts a file behind a store's back, as a failing disk would: `bytes` overwrite its start, size and inode kept. */
import * as fs from 'node:fs';

/** Overwrites the first bytes of the file at `abs` with `bytes` in place. */
export const damageFile = (abs: string, bytes: string): void => {
  const fd = fs.openSync(abs, 'r+');
  try {
    fs.writeSync(fd, bytes, 0);
  } finally {
    fs.closeSync(fd);
  }
};
