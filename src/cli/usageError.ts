/**
 * The error of a command line that cannot be run as typed (exit code 2).
 */

/** A usage error: the message says what to type instead. Code `EUSAGE`. */
export class UsageError extends Error {
  readonly code = 'EUSAGE';

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
