import type { Emulator } from '@credwatch/emulator';
import { isolateAwsEnvironment, withEnv } from '@credwatch/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsCredentialsInstrumentation } from '../src/index.js';
import { parseRefreshBefore } from '../src/refresh-ahead.js';
import { harness } from './harness.js';
import {
  createBucket,
  moveClockTo,
  putObject,
  restoreClock,
  s3Client,
  sdk,
  startWatchedEmulator,
} from './helpers.js';

// refreshBefore: credwatch asks the provider for new credentials ahead of the SDK's five-minute window.
// Twenty-minute sessions, a request every 37 seconds of (moved) wall clock for about an hour.
const telemetry = harness();
let emulator: Emulator;
let bucket: string;
beforeAll(async () => {
  emulator = await startWatchedEmulator({ tokenLifetime: '20m' });
  bucket = await createBucket(emulator, 'ahead');
});
afterAll(() => emulator.stop());
afterEach(() => {
  restoreClock();
  telemetry.instrumentation.setConfig({});
});

const STEP_MS = 37_000;
const STEPS = 100;

/** Sends one PutObject per step through a fromTemporaryCredentials client; returns the AssumeRole calls made. */
async function hourOfRequests(): Promise<number> {
  isolateAwsEnvironment();
  const before = emulator.issuedCredentials().filter(({ issuer }) => issuer === 'sts:AssumeRole').length;
  const start = Date.now();
  await withEnv(emulator.env('env'), async () => {
    const s3 = s3Client(emulator, {
      credentials: sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } }),
    });
    for (let step = 0; step <= STEPS; step++) {
      moveClockTo(start + step * STEP_MS);
      await putObject(s3, bucket, `step-${step}`);
    }
    s3.destroy();
  });
  return emulator.issuedCredentials().filter(({ issuer }) => issuer === 'sts:AssumeRole').length - before;
}

describe('refreshBefore', () => {
  it("'15m': no signing inside the last 15 minutes; a refresh every 9 steps (just over 5 minutes)", async () => {
    telemetry.instrumentation.setConfig({ refreshBefore: '15m' });
    // The first session, then one each time more than 300 s of it have gone: steps 9, 18, …, 99.
    expect(await hourOfRequests()).toBe(1 + Math.floor(STEPS / 9));
    const [timeToExpiry] = await telemetry.histogram('aws.credentials.time_to_expiry');
    expect(timeToExpiry?.count).toBe(STEPS + 1);
    expect(timeToExpiry?.min).toBeGreaterThan(15 * 60);
    expect(timeToExpiry?.max).toBeLessThanOrEqual(20 * 60);
  });

  it('off (the default): the SDK refreshes in its own window, every 25 steps', async () => {
    // More than 900 s of a session gone: steps 25, 50, 75, 100.
    expect(await hourOfRequests()).toBe(1 + Math.floor(STEPS / 25));
  });

  it('a failed early refresh loses nothing: the request signs with the credentials held, and it is tried once', async () => {
    telemetry.instrumentation.setConfig({ refreshBefore: '15m' });
    const failures = () =>
      telemetry
        .histogram('aws.credentials.refresh.duration')
        .then((points) =>
          points.filter((point) => point.attributes['error.type'] !== undefined).map((point) => point.count),
        );
    emulator.faults.clear();
    const assumed = () =>
      emulator.issuedCredentials().filter(({ issuer }) => issuer === 'sts:AssumeRole').length;
    const before = assumed();
    isolateAwsEnvironment();
    const start = Date.now();
    await withEnv(emulator.env('env'), async () => {
      const s3 = s3Client(emulator, {
        credentials: sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } }),
      });
      await putObject(s3, bucket, 'first');
      emulator.faults.failNext('sts:AssumeRole', { type: 'error', status: 403, code: 'AccessDenied' }, 1);
      // 14 minutes left: due; the early refresh fails, the request goes out with the session held.
      for (const minute of [6, 7, 8]) {
        moveClockTo(start + minute * 60_000);
        await putObject(s3, bucket, `minute-${minute}`);
      }
      // Inside the SDK's window: its own refresh, which succeeds.
      moveClockTo(start + 16 * 60_000);
      await putObject(s3, bucket, 'after-window');
      s3.destroy();
    });
    expect(assumed() - before).toBe(2);
    expect(emulator.faults.pending()).toEqual({});
    expect(await failures()).toEqual([1]);
  });

  it('sessions shorter than the buffer: one early refresh, a warning, then the SDK window (no refresh storm)', async () => {
    telemetry.instrumentation.setConfig({ refreshBefore: '25m' });
    // Step 0 fetches, and its signer's second look at the credentials refreshes early (20 minutes left is
    // inside 25) and finds 20 minutes left again; from then on, every 25 steps as the SDK does.
    expect(await hourOfRequests()).toBe(2 + Math.floor(STEPS / 25));
    expect(
      telemetry.diagMessages.filter((message) => message.includes('refreshBefore (25m) is longer')),
    ).toHaveLength(1);
  });

  it('refuses what it cannot use, naming the setting', () => {
    for (const value of [0, -5, '15', '15 minutes', '0%', '100%', 'soon', true]) {
      expect(() => new AwsCredentialsInstrumentation({ refreshBefore: value as never })).toThrow(
        /^@credwatch\/instrumentation: config\.refreshBefore must be seconds above 0, a duration such as '15m', '90s' or '1h', or a share of the session such as '25%', got /,
      );
    }
  });

  it('reads seconds, durations and shares of the session', () => {
    expect(parseRefreshBefore(900)).toEqual({ seconds: 900 });
    expect(parseRefreshBefore('15m')).toEqual({ seconds: 900 });
    expect(parseRefreshBefore(' 90s ')).toEqual({ seconds: 90 });
    expect(parseRefreshBefore('1.5h')).toEqual({ seconds: 5400 });
    expect(parseRefreshBefore('500ms')).toEqual({ seconds: 0.5 });
    expect(parseRefreshBefore('25%')).toEqual({ share: 0.25 });
  });
});
