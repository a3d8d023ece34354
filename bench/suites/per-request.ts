// Per-request cost of S3Client.send (GetObject and PutObject of a small body) for the four configurations:
// CPU time with an in-process handler (no sockets), then wall time over loopback against the emulator (in
// its own process, so its CPU is not counted). Each configuration is a long-lived worker; rounds are
// interleaved across them, and each round's ratio to the bare SDK is taken in that same round.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { median, medianInterval, report } from '../lib/stats.js';
import { CONFIGS, type Config } from '../lib/telemetry.js';
import type { WorkerRequest } from './per-request-worker.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 32);
const WORKER = fileURLToPath(new URL('per-request-worker.ts', import.meta.url));

class Worker {
  private constructor(private readonly child: ChildProcess) {}

  static async start(config: Config): Promise<Worker> {
    const child = fork(WORKER, [config], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await once(child, 'message');
    return new Worker(child);
  }

  async ask<T>(request: WorkerRequest): Promise<T> {
    this.child.send(request);
    const [reply] = await once(this.child, 'message');
    return reply as T;
  }
}

/** The configurations compared, plus a second bare process: its ratio to the first is the noise floor. */
const AA = 'bare SDK, again (A/A)';
type Column = Config | typeof AA;
const COLUMNS: Column[] = [...CONFIGS, AA];

const byColumn = <T>(value: (column: Column) => T) =>
  Object.fromEntries(COLUMNS.map((column) => [column, value(column)])) as Record<Column, T>;

/** Each column's median ratio to the bare SDK and its 95% interval, round by round (rounds are paired). */
function ratiosToBare(samples: Map<Column, number[]>) {
  const bare = samples.get('bare SDK') ?? [];
  const ratios = (column: Column) =>
    (samples.get(column) ?? []).map((value, round) => value / (bare[round] as number));
  return {
    ratio: byColumn((column) => median(ratios(column))),
    interval: byColumn((column) => medianInterval(ratios(column))),
  };
}

async function compare(
  workers: Map<Column, Worker>,
  target: 'inProcess' | 'loopback',
  n: number,
  metric: 'cpuUs' | 'wallUs',
) {
  const results: Record<
    string,
    { us: Record<Column, number>; ratio: Record<Column, number>; interval: Record<Column, [number, number]> }
  > = {};
  for (const operation of ['GetObject', 'PutObject'] as const) {
    const samples = new Map<Column, number[]>(COLUMNS.map((column) => [column, []]));
    const batch = (column: Column) =>
      (workers.get(column) as Worker).ask<Record<'cpuUs' | 'wallUs', number>>({
        kind: 'batch',
        target,
        operation,
        n,
      });
    for (const column of COLUMNS) await batch(column); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < COLUMNS.length; i++) {
        const column = COLUMNS[(round + i) % COLUMNS.length] as Column;
        samples.get(column)?.push((await batch(column))[metric]);
      }
    }
    results[operation] = {
      us: byColumn((column) => median(samples.get(column) ?? [])),
      ...ratiosToBare(samples),
    };
  }
  return results;
}

/**
 * The in-process comparison again, with every configuration in a fresh process each round: a long-lived
 * process measures one process's luck (JIT, heap layout); this measures the design across processes.
 */
async function compareFresh(rounds: number, n: number) {
  const results: Record<
    string,
    { ratio: Record<Column, number>; interval: Record<Column, [number, number]> }
  > = {};
  for (const operation of ['GetObject', 'PutObject'] as const) {
    const samples = new Map<Column, number[]>(COLUMNS.map((column) => [column, []]));
    for (let round = 0; round < rounds; round++) {
      for (const column of COLUMNS) {
        const worker = await Worker.start(column === AA ? 'bare SDK' : column);
        const request: WorkerRequest = { kind: 'batch', target: 'inProcess', operation, n };
        await worker.ask(request); // warm-up
        samples.get(column)?.push((await worker.ask<{ cpuUs: number }>(request)).cpuUs);
        await worker.ask({ kind: 'finish' });
      }
    }
    results[operation] = ratiosToBare(samples);
  }
  return results;
}

async function startEmulatorProcess() {
  const cli = createRequire(import.meta.url)
    .resolve('@credwatch/emulator/package.json')
    .replace(/package\.json$/, 'dist/cli.js');
  const child = spawn(process.execPath, [cli, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  // The settings arrive as one pretty-printed JSON document, possibly over several chunks.
  let text = '';
  for await (const chunk of child.stdout) {
    text += chunk;
    try {
      const json = JSON.parse(text) as { endpoint: string; env: Record<string, string> };
      return { child, json };
    } catch {}
  }
  throw new Error(`the emulator printed no settings: ${text}`);
}

const workers = new Map<Column, Worker>();
for (const config of CONFIGS) workers.set(config, await Worker.start(config));
workers.set(AA, await Worker.start('bare SDK'));
const inProcess = await compare(workers, 'inProcess', 300, 'cpuUs');

const emulator = await startEmulatorProcess();
const settings = {
  endpoint: emulator.json.endpoint,
  region: emulator.json.env.AWS_REGION as string,
  accessKeyId: emulator.json.env.AWS_ACCESS_KEY_ID as string,
  secretAccessKey: emulator.json.env.AWS_SECRET_ACCESS_KEY as string,
};
for (const worker of workers.values()) await worker.ask({ kind: 'loopback', ...settings });
// The bucket and the object the loopback requests use (the driver itself loads no instrumentation).
const { CreateBucketCommand, PutObjectCommand, S3Client } = createRequire(import.meta.url)(
  '@aws-sdk/client-s3',
) as typeof import('@aws-sdk/client-s3');
const setup = new S3Client({ ...settings, forcePathStyle: true, credentials: settings });
await setup.send(new CreateBucketCommand({ Bucket: 'bench' }));
await setup.send(new PutObjectCommand({ Bucket: 'bench', Key: 'small.txt', Body: 'a small object\n' }));
const loopback = await compare(workers, 'loopback', 100, 'wallUs');
emulator.child.kill();

const sanity = await Promise.all(
  COLUMNS.map(
    async (column) =>
      [
        column,
        await (workers.get(column) as Worker).ask<{ signings: number; spans: number }>({ kind: 'finish' }),
      ] as const,
  ),
);
const freshRounds = Number(process.env.BENCH_FRESH_ROUNDS ?? 8);
const inProcessFresh = await compareFresh(freshRounds, 300);
report({ inProcess, loopback, inProcessFresh, freshRounds, sanity: Object.fromEntries(sanity) });
