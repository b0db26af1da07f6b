/**
 * A small seeded pseudo-random generator (mulberry32): the crash simulator's only source of choice,
 * so that the same seed always picks the same surviving state.
 */

/** A function returning numbers in [0, 1), fully determined by the seed it was made from. */
export type Random = () => number;

/** Makes a generator from a 32-bit seed. */
export const seededRandom = (seed: number): Random => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** Mixes two integers into one seed (for "the seed of crash point n"). */
export const mixSeed = (a: number, b: number): number => {
  let h = Math.imul((a ^ 0x9e3779b9) >>> 0, 0x85ebca6b) ^ Math.imul((b + 0x7f4a7c15) >>> 0, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
};
