// `pnpm demo`: the seeds' batch uploader, twice, under `node --require @credwatch/auto/register`, against the
// credwatch emulator. Credentials live 5 min 20 s, so the SDK's refresh window (the last 5 minutes) opens
// after 20 s, and S3 wants sessions refreshed after 25 s: half a minute shows what takes an hour in production.
//
// `pnpm demo:recover` (`node demo.mjs recover`): the refreshing uploader, with hour-long sessions S3 wants
// refreshed after 3 s, long before the SDK's window opens: without recovery it fails like the stale one; with
// CREDWATCH_RECOVER=true credwatch refreshes once per rejection, sends the upload again, and the job finishes.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '@credwatch/emulator';
import { describeRun } from './summary.mjs';
import { HOW_TO_EXPORT, telemetryFor } from './telemetry-destinations.mjs';

const SCENARIOS = {
  default: {
    modes: [
      { name: 'stale', what: 'caches its AssumeRole output as a raw key triple at startup' },
      { name: 'refreshing', what: 'gives the S3 client fromTemporaryCredentials, a refreshing provider' },
    ],
    uploads: 34,
    intervalMs: 1000,
    emulator: { tokenLifetime: '320s', refreshRequiredAfter: '25s' },
    title: 'a batch uploader that outlives its temporary credentials',
    sessions: 'sessions live 5 min 20 s, S3 wants a refresh after 25 s',
  },
  recover: {
    modes: [
      { name: 'refreshing', what: 'fromTemporaryCredentials, recovery off (the default)' },
      {
        name: 'refreshing',
        label: 'recovering',
        what: 'fromTemporaryCredentials, CREDWATCH_RECOVER=true',
        env: { CREDWATCH_RECOVER: 'true' },
      },
    ],
    uploads: 10,
    intervalMs: 500,
    emulator: { tokenLifetime: '1h', refreshRequiredAfter: '3s' },
    title: 'S3 wants a refresh long before the SDK would refresh',
    sessions: 'sessions live 1 h (the SDK refreshes in the last 5 min), S3 wants a refresh after 3 s',
  },
};
const scenario = SCENARIOS[process.argv[2] ?? 'default'];
if (scenario === undefined) throw new Error(`unknown scenario ${process.argv[2]}; expected recover or none`);
const MODES = scenario.modes.map((mode) => ({ ...mode, label: mode.label ?? mode.name }));
const UPLOADS = scenario.uploads;
const INTERVAL_MS = scenario.intervalMs;

const emulator = await startEmulator(scenario.emulator);
const bucket = 'nightly-export';
emulator.createBucket(bucket);

console.log(`credwatch demo: ${scenario.title}\n`);
console.log(`emulator (STS + S3) on ${emulator.endpoint}: ${scenario.sessions}`);
console.log(`uploading ${UPLOADS} files, one every ${INTERVAL_MS} ms, in two modes at once, each under`);
console.log('  node --require @credwatch/auto/register uploader.cjs\n');

const reports = mkdtempSync(join(tmpdir(), 'credwatch-demo-'));
const runs = await Promise.all(
  MODES.map((mode, index) => {
    const telemetry = telemetryFor(index);
    const reportFile = join(reports, `${mode.label}.json`);
    const env = {
      ...process.env,
      ...emulator.env('env'),
      ...telemetry.vars,
      ...mode.env,
      OTEL_SERVICE_NAME: process.env.OTEL_SERVICE_NAME ?? `long-running-uploader-${mode.label}`,
      CREDWATCH_REPORT: reportFile,
      UPLOADER_MODE: mode.name,
      UPLOADER_BUCKET: bucket,
      UPLOADER_ROLE_ARN: emulator.roleArn,
      UPLOADER_UPLOADS: String(UPLOADS),
      UPLOADER_INTERVAL_MS: String(INTERVAL_MS),
    };
    return run(['--require', '@credwatch/auto/register', 'uploader.cjs'], env).then((result) => ({
      ...mode,
      ...result,
      where: telemetry.where,
      report: JSON.parse(readFileSync(reportFile, 'utf8')),
    }));
  }),
);
await emulator.stop();

for (const result of runs) {
  console.log(`${result.label}: ${result.what}`);
  const outcome = `${result.output.trim().split('\n').at(-1)} (exit code ${result.code})`;
  console.log(`  the job:                   ${outcome}`);
  for (const line of describeRun(result.report)) console.log(`  ${line}`);
  console.log(`  full telemetry:            ${result.where}\n`);
}
if (runs.every((result) => result.where === 'not exported')) console.log(HOW_TO_EXPORT.join('\n'));
for (const result of runs.filter((candidate) => candidate.where.includes('console'))) {
  console.log(`\n--- ${result.label}: console telemetry ---\n${result.output}`);
}

/** Runs node with the uploader; collects its output (stdout and stderr, in order). */
function run(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: import.meta.dirname, env });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
