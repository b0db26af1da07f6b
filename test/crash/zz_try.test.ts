import { it } from 'vitest';
import { openOn } from './harness.js';
import { createCrashWorld, runWorkload, type Workload, type CrashWorld } from '../../src/testing/index.js';
const tr = (w: CrashWorld): string => w.trace.map((r) => `${r.index} ${r.kind} ${r.path} ${r.to ?? ''} ${r.keys?.join(',') ?? ''}`).join('\n');
it('try', async () => {
  const w: Workload = JSON.parse(process.env.W as string) as Workload;
  const world = createCrashWorld({ files: w.files, dirs: ['.txfs/backups'], recordCrashPoints: true });
  const store = await openOn(world, 0);
  await runWorkload(store, w, { world });
  console.log(tr(world));
  const n = Number(process.env.N);
  const a = world.afterCrashAt(n, { model: process.env.M as 'reorder', seed: Number(process.env.S), recordCrashPoints: true });
  console.log('AFTER', a.list()); const s2 = await openOn(a, 1); console.log('REC', JSON.stringify(s2.recovery), a.list()); console.log(tr(a));
  if (process.env.R !== undefined) {
    const b = a.afterCrashAt(Number(process.env.R), { model: 'lose-unsynced' });
    console.log('AFTER2', b.list(), JSON.stringify(b.journalEntries('tx/')));
    const s3 = await openOn(b, 3); console.log('REC2', JSON.stringify(s3.recovery), b.list()); console.log(tr(b));
  }
}, 600000);
