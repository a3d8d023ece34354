// Startup: wall time from process start to the first answered request, for a bare app, the same app under
// `--require @credwatch/auto/register`, and under `--require @opentelemetry/auto-instrumentations-node/register`.
// Exporters are off in those, so what is measured is loading and starting, not exporting; one more row has
// credwatch with its default exporters (OTLP over HTTP/protobuf, to a loopback port nothing listens on: the
// app answers and exits before the first export), which is what a user who sets nothing gets.
import { fileURLToPath } from 'node:url';
import { startEmulator } from '@credwatch/emulator';
import { nodeOutput } from '../lib/node-run.js';
import { STARTUP_VARIANTS } from '../lib/startup-variants.js';
import { median, report } from '../lib/stats.js';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 11);
const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
const emulator = await startEmulator();
const env = { ...process.env, ...emulator.env('env') };
const samples = new Map<string, { ms: number[]; rssMiB: number[] }>(
  Object.keys(STARTUP_VARIANTS).map((name) => [name, { ms: [], rssMiB: [] }]),
);
for (let run = 0; run < RUNS; run++) {
  for (const [name, variant] of Object.entries(STARTUP_VARIANTS)) {
    const output = await nodeOutput([...variant.flags, 'fixtures/startup-app.cjs'], {
      cwd: BENCH_DIR,
      env: { ...env, ...variant.env },
    });
    const [, ms, rssKiB] = /first-request-ms (\S+) max-rss-kib (\d+)/.exec(output) ?? [];
    samples.get(name)?.ms.push(Number(ms));
    samples.get(name)?.rssMiB.push(Number(rssKiB) / 1024);
  }
}
await emulator.stop();
report(
  Object.fromEntries(
    [...samples].map(([name, { ms, rssMiB }]) => [name, { ms: median(ms), rssMiB: median(rssMiB) }]),
  ),
);
