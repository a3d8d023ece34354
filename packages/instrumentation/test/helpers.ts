import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Emulator,
  type EmulatorOptions,
  type IssuedCredentials,
  startEmulator,
} from '@credwatch/emulator';
import { isolateAwsEnvironment, uniqueBucket, writeFile } from '@credwatch/test-support';
import type { Attributes } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, beforeEach, expect, vi } from 'vitest';
import { watchSecrets } from './canary.js';
import type { HistogramPoint, Point } from './harness.js';

const require = createRequire(import.meta.url);

/**
 * The SDK as a CommonJS application loads it. An ESM `import` of `@aws-sdk/credential-providers` goes past
 * require hooks (see esm-import.test.ts); its internals, and every client package, are required either way.
 */
export const sdk = {
  s3: require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3'),
  sts: require('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts'),
  providers: require('@aws-sdk/credential-providers') as typeof import('@aws-sdk/credential-providers'),
  storage: require('@aws-sdk/lib-storage') as typeof import('@aws-sdk/lib-storage'),
};

/** An emulator whose every issued secret the canary checks telemetry against. */
export async function startWatchedEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  isolateAwsEnvironment();
  return watchSecrets(await startEmulator(options));
}

export function s3Client(emulator: Emulator, config: import('@aws-sdk/client-s3').S3ClientConfig = {}) {
  return new sdk.s3.S3Client({
    region: emulator.region,
    endpoint: emulator.endpoint,
    forcePathStyle: true,
    ...config,
  });
}

/** The test file's emulator and bucket, once `useEmulator()` has started them (live bindings). */
export let emulator: Emulator;
export let bucket: string;

/**
 * The usual set-up of a test file: an emulator with one-hour sessions and a bucket for the whole file, the
 * developer's AWS environment sealed off before each test, the shared clock put back after it.
 */
export function useEmulator(prefix: string): void {
  beforeAll(async () => {
    ({ emulator, bucket } = await startEmulatorWithBucket(prefix));
  });
  afterAll(() => emulator.stop());
  beforeEach(() => isolateAwsEnvironment());
  afterEach(() => restoreClock());
}

/** An emulator with one-hour sessions and a bucket. */
export async function startEmulatorWithBucket(
  prefix: string,
): Promise<{ emulator: Emulator; bucket: string }> {
  const emulator = await startWatchedEmulator({ tokenLifetime: '1h' });
  return { emulator, bucket: await createBucket(emulator, prefix) };
}

/** A bucket ready for objects; created with the emulator's long-term key, outside any client under test. */
export async function createBucket(emulator: Emulator, prefix: string): Promise<string> {
  const bucket = uniqueBucket(prefix);
  const admin = s3Client(emulator, { credentials: emulator.longTermKey });
  await admin.send(new sdk.s3.CreateBucketCommand({ Bucket: bucket }));
  admin.destroy();
  return bucket;
}

export function putObject(s3: import('@aws-sdk/client-s3').S3Client, bucket: string, key = 'object') {
  return s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: key, Body: 'credwatch' }));
}

export type SessionCredentials = IssuedCredentials & { expiration: Date };

/** The newest session credentials an issuer handed out. */
export function lastIssued(emulator: Emulator, issuer: IssuedCredentials['issuer']): SessionCredentials {
  const issued = emulator.issuedCredentials().filter((credentials) => credentials.issuer === issuer);
  const last = issued.at(-1);
  expect(last?.expiration).toBeInstanceOf(Date);
  return last as SessionCredentials;
}

/**
 * Moves the wall clock the SDK and the emulator share (only `Date`; timers and performance.now stay real).
 * Call `restoreClock()` after each test that moves it.
 */
export function moveClockTo(epochMs: number): void {
  if (!vi.isFakeTimers()) vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  vi.setSystemTime(epochMs);
}

export function restoreClock(): void {
  if (vi.isFakeTimers()) vi.useRealTimers();
}

/** Writes an ini config in a fresh directory and points the SDK at it. */
export function useConfigFiles(config: string, credentials = ''): void {
  const dir = mkdtempSync(join(tmpdir(), 'credwatch-ini-'));
  process.env.AWS_CONFIG_FILE = writeFile(dir, 'config', config);
  process.env.AWS_SHARED_CREDENTIALS_FILE = writeFile(dir, 'credentials', credentials);
}

function matches(attributes: Attributes, wanted: Attributes): boolean {
  return Object.entries(wanted).every(([name, value]) => attributes[name] === value);
}

/** The sum of a counter's points whose attributes include `wanted`. */
export function total(points: Point[], wanted: Attributes = {}): number {
  return points
    .filter((point) => matches(point.attributes, wanted))
    .reduce((sum, point) => sum + point.value, 0);
}

/** The number of measurements in a histogram's points whose attributes include `wanted`. */
export function count(points: HistogramPoint[], wanted: Attributes = {}): number {
  return points
    .filter((point) => matches(point.attributes, wanted))
    .reduce((sum, point) => sum + point.count, 0);
}

/** Polls until `condition` holds (background work the application does not wait for). */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
