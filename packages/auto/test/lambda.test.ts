import { join } from 'node:path';
import { type LambdaFunction, startLambdaFunction } from '@credwatch/emulator';
import { awsLambdaRic, uniqueBucket } from '@credwatch/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulator, otlpTo, PACKAGE_DIR, useFixtureEmulator } from './helpers.js';
import { OtlpReceiver } from './otlp-receiver.js';

// @credwatch/auto in a Lambda function run by AWS's runtime interface client, frozen between invocations by the
// emulator: each invocation's telemetry must reach the backend before the freeze.
useFixtureEmulator();

let ric: string;
let receiver: OtlpReceiver;
const functions: LambdaFunction[] = [];
const bucket = uniqueBucket('lambda');

beforeAll(async () => {
  [ric, receiver] = await Promise.all([awsLambdaRic(), OtlpReceiver.start()]);
  emulator.createBucket(bucket);
}, 300_000);
afterAll(async () => {
  await Promise.all(functions.map((fn) => fn.stop()));
  await receiver?.stop();
});

async function startFunction(env: Record<string, string> = {}, fixture = 'lambda'): Promise<LambdaFunction> {
  const fn = await startLambdaFunction({
    command: [process.execPath, ric],
    taskRoot: join(PACKAGE_DIR, 'test', 'fixtures', fixture),
    handler: 'index.handler',
    env: {
      ...emulator.env('env'),
      FIXTURE_BUCKET: bucket,
      NODE_OPTIONS: `--require ${join(PACKAGE_DIR, 'dist', 'register.cjs')}`,
      ...otlpTo(receiver.endpoint),
      OTEL_SERVICE_NAME: 'lambda-fixture',
      ...env,
    },
  });
  functions.push(fn);
  await fn.initialized;
  return fn;
}

/** S3 signings the receiver has from the function so far (cumulative: the latest export holds the total). */
const s3Signings = () =>
  (receiver.metric('aws.credentials.signings')?.points ?? [])
    .filter((point) => point.attributes['rpc.service'] === 'S3')
    .reduce((total, point) => total + (point.value ?? 0), 0);

describe('@credwatch/auto in a Lambda function', () => {
  it('each of 500 invocations, and a rejection, has reached the backend by the time the function is frozen', async () => {
    const fn = await startFunction();
    const rejections = () =>
      (receiver.metric('aws.credentials.rejections')?.points ?? []).reduce(
        (total, point) => total + (point.value ?? 0),
        0,
      );
    for (let n = 1; n <= 500; n++) {
      if (n === 250) {
        emulator.faults.failNext('s3:PutObject', {
          type: 'error',
          status: 400,
          code: 'TokenRefreshRequired',
          message: 'The provided token must be refreshed.',
        });
      }
      const result = await fn.invoke({ n });
      if (n === 250) expect(result).toMatchObject({ ok: false, errorType: 'TokenRefreshRequired' });
      else expect(result).toMatchObject({ ok: true, response: { n } });
      expect(fn.frozen).toBe(true);
      // Cumulative: the latest export holds every signing so far, none lost, none counted twice.
      expect(s3Signings()).toBe(n);
      expect(rejections()).toBe(n < 250 ? 0 : 1);
    }
    const spans = receiver.spans.filter((span) => span.name === 'S3.PutObject');
    expect(spans).toHaveLength(500);
    expect(new Set(spans.map((span) => span.spanId)).size).toBe(500);
    expect(spans.every((span) => span.attributes['aws.credentials.source'] === 'env')).toBe(true);
  }, 120_000);

  it('a backend that hangs costs one invocation the flush timeout; once it is back, invocations flush again', async () => {
    const backend = await OtlpReceiver.start('hang');
    try {
      const fn = await startFunction({
        ...otlpTo(backend.endpoint),
        CREDWATCH_LAMBDA_FLUSH_TIMEOUT: '1000',
        OTEL_EXPORTER_OTLP_TIMEOUT: '500',
      });
      const durations: number[] = [];
      for (let n = 1; n <= 5; n++) {
        const result = await fn.invoke({ n });
        expect(result).toMatchObject({ ok: true, response: { n } });
        expect(fn.frozen).toBe(true);
        durations.push(result.durationMs);
      }
      // The first invocation waits for its flush until it gives up (the exporter's 500 ms, within the 1 s
      // flush timeout); the next ones do not wait at all.
      expect(durations[0]).toBeGreaterThanOrEqual(400);
      expect(durations[0]).toBeLessThan(1000 + 1500);
      for (const duration of durations.slice(1)) expect(duration).toBeLessThan(500);

      backend.mode = 'accept';
      await new Promise((resolve) => setTimeout(resolve, 600)); // the hung exports time out at the next thaw
      const signings = () =>
        (backend.metric('aws.credentials.signings')?.points ?? [])
          .filter((point) => point.attributes['rpc.service'] === 'S3')
          .reduce((total, point) => total + (point.value ?? 0), 0);
      let n = 5;
      while (n < 15 && signings() !== n) await fn.invoke({ n: ++n });
      expect(signings()).toBe(n); // recovered: everything so far, none lost
      for (const next of [n + 1, n + 2, n + 3]) {
        await fn.invoke({ n: next });
        expect(signings()).toBe(next); // and each invocation's telemetry is there before the freeze again
      }
    } finally {
      await backend.stop();
    }
  });

  it.each([
    ['--require', 'register.cjs'],
    ['--import', 'register.js'],
  ])(
    'an ES module handler (index.mjs) under %s: each invocation is at the backend before the freeze',
    async (flag, entry) => {
      const backend = await OtlpReceiver.start();
      try {
        const fn = await startFunction(
          { ...otlpTo(backend.endpoint), NODE_OPTIONS: `${flag} ${join(PACKAGE_DIR, 'dist', entry)}` },
          'lambda-esm',
        );
        const signings = () =>
          (backend.metric('aws.credentials.signings')?.points ?? [])
            .filter((point) => point.attributes['rpc.service'] === 'S3')
            .reduce((total, point) => total + (point.value ?? 0), 0);
        for (let n = 1; n <= 10; n++) {
          expect(await fn.invoke({ n })).toMatchObject({ ok: true, response: { n } });
          expect(signings()).toBe(n);
        }
      } finally {
        await backend.stop();
      }
    },
  );
});
