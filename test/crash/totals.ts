/**
 * The crash suite's running totals for one test file, printed on a line of their own
 * (`crash states checked: N, violations: V`) when the file's tests end. Importing this registers the print.
 */
import { afterAll } from 'vitest';

const totals = { states: 0, violations: 0 };

afterAll(() => {
  console.log(`crash states checked: ${totals.states}, violations: ${totals.violations}`);
});

/** Adds checked crash states (and the violations found among them) to this file's totals. */
export const countStates = (states: number, violations: number): void => {
  totals.states += states;
  totals.violations += violations;
};
