import { startEmulator } from '@credwatch/emulator';
import { isolateAwsEnvironment, withEnv } from '@credwatch/test-support';
import type { Meter, MeterProvider } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { watchSecrets } from './canary.js';
import { harness } from './harness.js';
import { eventually, lastIssued, moveClockTo, putObject, restoreClock, s3Client, sdk } from './helpers.js';

// The application must not be able to tell credwatch is there: same results, same errors, the same calls
// to every credential endpoint, no unhandled rejections, and credwatch's own failures kept to `diag`.
const telemetry = harness();
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});
afterEach(() => {
  restoreClock();
  telemetry.instrumentation.enable();
});

function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (output) => {
      const { $metadata, Body, ...rest } = output as {
        $metadata?: { httpStatusCode?: number };
        Body?: unknown;
      };
      // Timestamps differ from run to run; everything else the application sees must not.
      const stable = JSON.parse(
        JSON.stringify(rest, (key, value) => (key === 'LastModified' ? undefined : value)),
      );
      return { ok: $metadata?.httpStatusCode, ...stable, hasBody: Body !== undefined };
    },
    (error: {
      name?: string;
      message?: string;
      $metadata?: { httpStatusCode?: number; attempts?: number };
    }) => ({
      error: error.name,
      message: error.message,
      status: error.$metadata?.httpStatusCode,
      attempts: error.$metadata?.attempts,
    }),
  );
}

/** What an application sees and causes across refreshes, failures and rejections, on a fresh emulator. */
async function workload() {
  isolateAwsEnvironment();
  const emulator = watchSecrets(await startEmulator({ tokenLifetime: '1h' }));
  const bucket = 'invisible';
  await s3Client(emulator, { credentials: emulator.longTermKey }).send(
    new sdk.s3.CreateBucketCommand({ Bucket: bucket }),
  );
  const seen: unknown[] = [];
  let userProviderCalls = 0;
  try {
    await withEnv(emulator.env('env'), async () => {
      const credentials = sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } });
      const role = s3Client(emulator, { credentials });
      seen.push(await outcome(putObject(role, bucket, 'a')));
      seen.push(await outcome(role.send(new sdk.s3.HeadObjectCommand({ Bucket: bucket, Key: 'missing' }))));
      moveClockTo(lastIssued(emulator, 'sts:AssumeRole').expiration.getTime() - 240_000);
      seen.push(await outcome(putObject(role, bucket, 'b')));
      emulator.faults.requireRefresh();
      seen.push(await outcome(putObject(role, bucket, 'c')));
      seen.push(await outcome(role.send(new sdk.s3.HeadObjectCommand({ Bucket: bucket, Key: 'a' }))));

      const { accessKeyId, secretAccessKey } = emulator.longTermKey;
      const custom = s3Client(emulator, {
        credentials: async () => {
          userProviderCalls++;
          return { accessKeyId, secretAccessKey, expiration: new Date(Date.now() + 600_000) };
        },
      });
      seen.push(await outcome(custom.send(new sdk.s3.GetObjectCommand({ Bucket: bucket, Key: 'a' }))));
      moveClockTo(Date.now() + 400_000);
      seen.push(await outcome(custom.send(new sdk.s3.ListObjectsV2Command({ Bucket: bucket }))));
    });
    await withEnv(emulator.env('imds'), async () => {
      const s3 = s3Client(emulator);
      seen.push(await outcome(putObject(s3, bucket, 'imds')));
      emulator.faults.failNext('imds:credentials', { type: 'error', status: 500 }, 1);
      moveClockTo(lastIssued(emulator, 'imds').expiration.getTime() - 240_000);
      seen.push(await outcome(putObject(s3, bucket, 'imds-window')));
      await eventually(() => emulator.faults.pending()['imds:credentials'] === undefined);
      seen.push(await outcome(putObject(s3, bucket, 'imds-after')));
      await eventually(() => emulator.stats.calls('imds') === 9);
      seen.push(await outcome(putObject(s3, bucket, 'imds-refreshed')));
    });
    return {
      seen,
      userProviderCalls,
      calls: emulator.stats.snapshot().calls,
      errors: emulator.stats.snapshot().errors,
    };
  } finally {
    restoreClock();
    await emulator.stop();
  }
}

describe('invisible to the application', () => {
  it('same results, same errors and the same credential calls with and without credwatch', async () => {
    const withCredwatch = await workload();
    telemetry.instrumentation.disable();
    const without = await workload();

    expect(withCredwatch).toEqual(without);
    // The workload did reach every path: refreshes, a background failure, rejections, a 404.
    expect(without.calls).toMatchObject({ 'sts:AssumeRole': 2, 'imds:credentials': 3, 'imds:token': 3 });
    expect(without.errors).toMatchObject({ TokenRefreshRequired: 2, InternalError: 1, NoSuchKey: 1 });
    expect(without.userProviderCalls).toBe(2);
    expect(unhandled).toEqual([]);
  });

  it("keeps credwatch's own failures (a throwing hook, a broken meter) to diag", async () => {
    const broken = () => {
      throw new Error('broken on purpose');
    };
    const brokenMeter = {
      createHistogram: () => ({ record: broken }),
      createCounter: () => ({ add: broken }),
      createObservableCounter: () => ({ addCallback: () => undefined }),
      createObservableGauge: () => ({ addCallback: () => undefined }),
      createObservableUpDownCounter: () => ({ addCallback: () => undefined }),
      addBatchObservableCallback: () => undefined,
    } as unknown as Meter;
    telemetry.instrumentation.setMeterProvider({ getMeter: () => brokenMeter } as MeterProvider);
    telemetry.instrumentation.setConfig({ refreshHook: broken, rejectionHook: broken });

    const withFailures = await workload();
    telemetry.instrumentation.disable();
    const without = await workload();

    expect(withFailures).toEqual(without);
    const errors = telemetry.diagMessages.filter((message) => message.startsWith('error'));
    expect(errors.some((message) => message.includes('refreshHook threw'))).toBe(true);
    expect(errors.some((message) => message.includes('rejectionHook threw'))).toBe(false); // the broken meter fails first
    expect(errors.some((message) => message.includes('recording a signing attempt failed'))).toBe(true);
    expect(unhandled).toEqual([]);
  });
});
