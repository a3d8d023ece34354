// Startup in instructions: what `startup.ts` times, counted by callgrind from process start to the first answered
// request. Wall time on this 2-vCPU machine moves by ±10 ms between identical runs, as much as the effects that
// decide the 1.3× target; an instruction count repeats to within 0.1 % (the A/A pair shows it). V8 runs
// single-threaded with fixed seeds, as in `instructions.ts`. The rows in between separate what any OpenTelemetry
// set-up pays from what credwatch adds: the API alone (loaded by every instrumentation, not bundled: it is the
// application's one shared global) and an empty require hook of the kind `InstrumentationBase` installs
// (`require-in-the-middle` with every module and its internal files: each `require` resolved a second time).
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '@credwatch/emulator';
import { report } from '../lib/stats.js';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
const EXPORTERS_OFF = {
  OTEL_TRACES_EXPORTER: 'none',
  OTEL_METRICS_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'none',
};
const VARIANTS: Record<string, { flags: string[]; env: Record<string, string> }> = {
  'node app.js': { flags: [], env: EXPORTERS_OFF },
  'node app.js, again (A/A)': { flags: [], env: EXPORTERS_OFF },
  '--require @opentelemetry/api (the API alone)': {
    flags: ['--require', '@opentelemetry/api'],
    env: EXPORTERS_OFF,
  },
  '--require an empty require-in-the-middle hook (as InstrumentationBase installs)': {
    flags: ['--require', './fixtures/empty-require-hook.cjs'],
    env: EXPORTERS_OFF,
  },
  '--require @credwatch/auto/register, OTEL_SDK_DISABLED=true': {
    flags: ['--require', '@credwatch/auto/register'],
    env: { ...EXPORTERS_OFF, OTEL_SDK_DISABLED: 'true' },
  },
  '--require @credwatch/auto/register': {
    flags: ['--require', '@credwatch/auto/register'],
    env: EXPORTERS_OFF,
  },
  '--require @credwatch/auto/register, OTLP exporters on': {
    flags: ['--require', '@credwatch/auto/register'],
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
  },
  '--require @opentelemetry/auto-instrumentations-node/register': {
    flags: ['--require', '@opentelemetry/auto-instrumentations-node/register'],
    env: EXPORTERS_OFF,
  },
};

function counted(variant: { flags: string[]; env: Record<string, string> }, env: NodeJS.ProcessEnv) {
  const args = [
    '--tool=callgrind',
    '--callgrind-out-file=/dev/null',
    process.execPath,
    '--single-threaded',
    '--hash-seed=1',
    '--random-seed=1',
    ...variant.flags,
    'fixtures/startup-app.cjs',
  ];
  return new Promise<number>((resolve, reject) => {
    const child = spawn('valgrind', args, {
      cwd: BENCH_DIR,
      env: { ...env, ...variant.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const collected = /Collected : (\d+)/.exec(stderr)?.[1];
      if (code !== 0 || collected === undefined || !stdout.includes('first-request-ms')) {
        reject(new Error(`callgrind ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
        return;
      }
      resolve(Number(collected));
    });
  });
}

if (spawnSync('valgrind', ['--version']).status !== 0) {
  report({ skipped: 'valgrind is not installed' });
} else {
  const emulator = await startEmulator();
  const env = { ...process.env, ...emulator.env('env') };
  const names = Object.keys(VARIANTS);
  const instructions: Record<string, number> = {};
  // Two at a time, one per core; the emulator answers from this process meanwhile.
  for (let i = 0; i < names.length; i += 2) {
    const pair = names.slice(i, i + 2);
    const counts = await Promise.all(
      pair.map((name) => counted(VARIANTS[name] as (typeof VARIANTS)[string], env)),
    );
    pair.forEach((name, index) => {
      instructions[name] = counts[index] as number;
    });
  }
  await emulator.stop();
  report({ instructions });
}
