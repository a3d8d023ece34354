// Lambda init in instructions: what `lambda.ts` times as init (the runtime's start to its first request for an
// invocation), counted by callgrind. The runtime runs under valgrind, V8 single-threaded with fixed seeds; when
// it first asks the Runtime API for an invocation (init is done, and it waits), `callgrind_control` dumps the
// count so far. Repeatable where the five cold starts of `lambda.ts` are not: the A/A pair shows it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, startLambdaFunction } from '@credwatch/emulator';
import { awsLambdaRic } from '@credwatch/test-support';
import { hasValgrind } from '../lib/callgrind.js';
import { report } from '../lib/stats.js';

const TASK_ROOT = fileURLToPath(new URL('../fixtures/lambda', import.meta.url));
const VARIANTS: Record<string, string | undefined> = {
  'bare handler': undefined,
  'bare handler, again (A/A)': undefined,
  '--require @credwatch/auto/register': '--require @credwatch/auto/register',
  '--require @opentelemetry/auto-instrumentations-node/register':
    '--require @opentelemetry/auto-instrumentations-node/register',
};

/** The total of the dump `callgrind_control --dump` asked for, once the runtime has written it (up to 30 s). */
async function dumpedTotal(dir: string): Promise<number | undefined> {
  for (let waited = 0; waited < 30_000; waited += 100) {
    for (const file of readdirSync(dir)) {
      const total = /^(?:summary|totals): (\d+)/m.exec(readFileSync(join(dir, file), 'utf8'))?.[1];
      if (total !== undefined) return Number(total);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}

/** The instructions a runtime under callgrind executed until its first request for an invocation. */
async function initInstructions(ric: string, env: Record<string, string>): Promise<number> {
  const dumps = mkdtempSync(join(tmpdir(), 'credwatch-lambda-callgrind-'));
  try {
    const fn = await startLambdaFunction({
      command: [
        'valgrind',
        '--tool=callgrind',
        `--callgrind-out-file=${join(dumps, 'callgrind.%p')}`,
        process.execPath,
        '--single-threaded',
        '--hash-seed=1',
        '--random-seed=1',
        ric,
      ],
      taskRoot: TASK_ROOT,
      handler: 'index.handler',
      env,
    });
    try {
      await fn.initialized;
      execFileSync('callgrind_control', ['--dump=init', String(fn.pid)], { stdio: 'ignore' });
      const summary = await dumpedTotal(dumps);
      if (summary === undefined) throw new Error(`no callgrind dump at init: ${fn.output().slice(-2000)}`);
      return summary;
    } finally {
      await fn.stop();
    }
  } finally {
    rmSync(dumps, { recursive: true, force: true });
  }
}

if (!hasValgrind()) {
  report({ skipped: 'valgrind is not installed' });
} else {
  const ric = await awsLambdaRic();
  const emulator = await startEmulator({ tokenLifetime: '1h' });
  emulator.createBucket('bench-lambda');
  const instructions: Record<string, number> = {};
  for (const [name, nodeOptions] of Object.entries(VARIANTS)) {
    instructions[name] = await initInstructions(ric, {
      ...emulator.env('env'),
      BENCH_BUCKET: 'bench-lambda',
      ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
      // As in lambda.ts: the default OTLP exporters (nothing is exported during init).
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_SERVICE_NAME: 'bench-lambda',
      OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process',
    });
  }
  await emulator.stop();
  report({ instructions });
}
