// Startup: wall time from process start to the first answered request, for a bare app, the same app under
// `--require @credwatch/auto/register`, and under `--require @opentelemetry/auto-instrumentations-node/register`.
// Exporters are off in both, so what is measured is loading and starting, not exporting.
import { fileURLToPath } from 'node:url';
import { startEmulator } from '@credwatch/emulator';
import { nodeOutput } from '../lib/node-run.js';
import { median, report } from '../lib/stats.js';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 11);
const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
const VARIANTS = {
  'node app.js': [],
  '--require @credwatch/auto/register': ['--require', '@credwatch/auto/register'],
  '--require @opentelemetry/auto-instrumentations-node/register': [
    '--require',
    '@opentelemetry/auto-instrumentations-node/register',
  ],
} as const;

const emulator = await startEmulator();
const env = {
  ...process.env,
  ...emulator.env('env'),
  OTEL_TRACES_EXPORTER: 'none',
  OTEL_METRICS_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'none',
};
const samples = new Map<string, number[]>(Object.keys(VARIANTS).map((name) => [name, []]));
for (let run = 0; run < RUNS; run++) {
  for (const [name, flags] of Object.entries(VARIANTS)) {
    const output = await nodeOutput([...flags, 'fixtures/startup-app.cjs'], { cwd: BENCH_DIR, env });
    samples.get(name)?.push(Number(/first-request-ms (\S+)/.exec(output)?.[1]));
  }
}
await emulator.stop();
report(Object.fromEntries([...samples].map(([name, values]) => [name, median(values)])));
