import fc from 'fast-check';

// Every property in the suite runs with the seed chosen (and printed) by test/globalSetup.ts.
const seed = Number(process.env.FC_SEED);
if (Number.isSafeInteger(seed)) fc.configureGlobal({ seed });
