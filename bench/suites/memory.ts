// Memory: bare SDK and credwatch, each in its own process (a clean heap), side by side.
import { fileURLToPath } from 'node:url';
import { nodeOutput } from '../lib/node-run.js';
import { report } from '../lib/stats.js';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
const runs = await Promise.all(
  ['bare SDK', '+ credwatch'].map(async (config) =>
    JSON.parse(
      await nodeOutput(['--expose-gc', '--import', 'tsx', 'suites/memory-worker.ts', config], {
        cwd: BENCH_DIR,
      }),
    ),
  ),
);
report(runs);
