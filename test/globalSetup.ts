/** Picks the fast-check seed of this run (FC_SEED when set) and prints it, so any failure replays with FC_SEED=<seed>. */
export default function setup(): void {
  const given = process.env.FC_SEED;
  const seed = given !== undefined && given !== '' ? Number(given) : Math.floor(Math.random() * 0x7fffffff);
  process.env.FC_SEED = String(seed);
  console.log(`fast-check seed: ${seed} (replay with FC_SEED=${seed})`);
}
