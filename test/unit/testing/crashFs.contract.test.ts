import { describeFileSystem } from '../../contract/fileSystem.js';
import { createCrashWorld } from '../../../src/testing/index.js';

describeFileSystem('crash world, no crash', async () => {
  const world = createCrashWorld();
  await world.fs.mkdir('/work');
  return { fs: world.fs, root: '/work' };
});

describeFileSystem('crash world after a crash (the surviving world is an ordinary disk)', async () => {
  const world = createCrashWorld({ model: 'reorder', seed: 9, files: { 'keep.txt': 'k' } });
  await world.fs.mkdir('/work');
  await world.fs.syncDir('/');
  return { fs: world.afterCrash().fs, root: '/work' };
});
