import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
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
  await new S3Client({
    region: emulator.region,
    endpoint: emulator.endpoint,
    forcePathStyle: true,
    credentials: emulator.longTermKey,
  }).send(new CreateBucketCommand({ Bucket: bucket }));
}, 300_000);
afterAll(async () => {
  await Promise.all(functions.map((fn) => fn.stop()));
  await receiver?.stop();
});

async function startFunction(env: Record<string, string> = {}): Promise<LambdaFunction> {
  const fn = await startLambdaFunction({
    command: [process.execPath, ric],
    taskRoot: join(PACKAGE_DIR, 'test', 'fixtures', 'lambda'),
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

  it('a backend that hangs costs an invocation at most the flush timeout, and never its result', async () => {
    const hanging = await OtlpReceiver.start('hang');
    try {
      const fn = await startFunction({ ...otlpTo(hanging.endpoint), CREDWATCH_LAMBDA_FLUSH_TIMEOUT: '300' });
      for (let n = 1; n <= 3; n++) {
        const result = await fn.invoke({ n });
        expect(result).toMatchObject({ ok: true, response: { n } });
        // The flush gives up at 300 ms; the rest is the PutObject and the Runtime API round trip.
        expect(result.durationMs).toBeLessThan(300 + 1500);
        expect(fn.frozen).toBe(true);
      }
      expect(hanging.requests).toBeGreaterThan(0);
    } finally {
      await hanging.stop();
    }
  });
});
