// Per-request cost of S3Client.send (GetObject and PutObject of a small body) for the four configurations,
// interleaved round by round in one process: CPU time with an in-process handler, then wall time over
// loopback against the emulator (in its own process, so its CPU is not counted here).
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { inProcessHandler, sessionCredentials } from '../lib/in-process-handler.js';
import { median, report } from '../lib/stats.js';
import { CONFIGS, type Config, loadSdk, setUpTelemetry } from '../lib/telemetry.js';

const telemetry = setUpTelemetry();
const { s3 } = loadSdk();
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 32);

type Operation = 'GetObject' | 'PutObject';
type Send = () => Promise<unknown>;

function sender(client: InstanceType<typeof s3.S3Client>, operation: Operation, bucket: string): Send {
  if (operation === 'PutObject') {
    return () =>
      client.send(new s3.PutObjectCommand({ Bucket: bucket, Key: 'small.txt', Body: 'a small object\n' }));
  }
  return async () => {
    const output = await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: 'small.txt' }));
    await output.Body?.transformToString();
  };
}

/** CPU and wall time per request over `n` sequential requests. */
async function measure(send: Send, n: number): Promise<{ cpuUs: number; wallUs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < n; i++) await send();
  const used = process.cpuUsage(cpu);
  return { cpuUs: (used.user + used.system) / n, wallUs: ((performance.now() - start) * 1000) / n };
}

/** One client per configuration, created while that configuration's instrumentations are enabled. */
function clients(make: () => InstanceType<typeof s3.S3Client>) {
  return new Map(
    CONFIGS.map((config) => {
      telemetry.use(config);
      return [config, make()] as const;
    }),
  );
}

/**
 * Each configuration's median per-request cost, and its median ratio to the bare SDK measured in the same
 * round (paired, so drift in machine speed cancels). The order rotates every round.
 */
async function compare(
  make: () => InstanceType<typeof s3.S3Client>,
  bucket: string,
  perRound: number,
  metric: 'cpuUs' | 'wallUs',
) {
  const byConfig = clients(make);
  const results: Record<string, { us: Record<Config, number>; ratio: Record<Config, number> }> = {};
  for (const operation of ['GetObject', 'PutObject'] as const) {
    const samples = new Map<Config, number[]>(CONFIGS.map((config) => [config, []]));
    const sends = new Map(
      CONFIGS.map((config) => [config, sender(byConfig.get(config) as never, operation, bucket)]),
    );
    for (const config of CONFIGS) {
      telemetry.use(config);
      await measure(sends.get(config) as Send, perRound); // warm-up
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < CONFIGS.length; i++) {
        const config = CONFIGS[(round + i) % CONFIGS.length] as Config;
        telemetry.use(config);
        samples.get(config)?.push((await measure(sends.get(config) as Send, perRound))[metric]);
      }
    }
    const bare = samples.get('bare SDK') ?? [];
    results[operation] = {
      us: Object.fromEntries(CONFIGS.map((config) => [config, median(samples.get(config) ?? [])])) as Record<
        Config,
        number
      >,
      ratio: Object.fromEntries(
        CONFIGS.map((config) => [
          config,
          median((samples.get(config) ?? []).map((value, round) => value / (bare[round] as number))),
        ]),
      ) as Record<Config, number>,
    };
  }
  return results;
}

async function startEmulatorProcess(): Promise<{
  child: ChildProcess;
  settings: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
}> {
  const cli = createRequire(import.meta.url)
    .resolve('@credwatch/emulator/package.json')
    .replace(/package\.json$/, 'dist/cli.js');
  const child = spawn(process.execPath, [cli, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  // The settings arrive as one pretty-printed JSON document, possibly over several chunks.
  let text = '';
  let json: { endpoint: string; env: Record<string, string> } | undefined;
  for await (const chunk of child.stdout as NodeJS.ReadableStream) {
    text += chunk;
    try {
      json = JSON.parse(text);
      break;
    } catch {}
  }
  if (!json) throw new Error(`the emulator printed no settings: ${text}`);
  return {
    child,
    settings: {
      endpoint: json.endpoint,
      region: json.env.AWS_REGION as string,
      accessKeyId: json.env.AWS_ACCESS_KEY_ID as string,
      secretAccessKey: json.env.AWS_SECRET_ACCESS_KEY as string,
    },
  };
}

const inProcess = await compare(
  () =>
    new s3.S3Client({
      region: 'us-east-1',
      endpoint: 'http://s3.bench.invalid',
      forcePathStyle: true,
      credentials: sessionCredentials(),
      requestHandler: inProcessHandler,
    }),
  'bench',
  300,
  'cpuUs',
);

const emulator = await startEmulatorProcess();
telemetry.use('bare SDK');
const setup = new s3.S3Client({
  region: emulator.settings.region,
  endpoint: emulator.settings.endpoint,
  forcePathStyle: true,
  credentials: {
    accessKeyId: emulator.settings.accessKeyId,
    secretAccessKey: emulator.settings.secretAccessKey,
  },
});
await setup.send(new s3.CreateBucketCommand({ Bucket: 'bench' }));
await setup.send(new s3.PutObjectCommand({ Bucket: 'bench', Key: 'small.txt', Body: 'a small object\n' }));
// Loopback signs with the emulator's long-term key (the emulator verifies every signature), handed over
// with an expiration so credwatch has a time to expiry to record, as with a session.
const loopback = await compare(
  () =>
    new s3.S3Client({
      region: emulator.settings.region,
      endpoint: emulator.settings.endpoint,
      forcePathStyle: true,
      credentials: async () => ({
        accessKeyId: emulator.settings.accessKeyId,
        secretAccessKey: emulator.settings.secretAccessKey,
        expiration: new Date(Date.now() + 3600_000),
      }),
    }),
  'bench',
  100,
  'wallUs',
);
emulator.child.kill();

report({
  inProcess,
  loopback,
  sanity: { signingsRecorded: await telemetry.signings(), spansExported: telemetry.spans.spans },
});
await telemetry.shutdown();
