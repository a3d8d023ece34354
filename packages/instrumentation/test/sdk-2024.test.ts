import { createRequire } from 'node:module';
import type { Emulator } from '@credwatch/emulator';
import { isolateAwsEnvironment, uniqueBucket, withEnv } from '@credwatch/test-support';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { harness } from './harness.js';
import { count, lastIssued, startWatchedEmulator, total } from './helpers.js';

// @aws-sdk/client-s3 3.658.1 (September 2024): the client class in @smithy/smithy-client 3.x, providers
// exported through esbuild getters, no `$source` feature tags, a blocking default-chain memoizer.
const require = createRequire(import.meta.url);
const s3v2024 = require('@aws-sdk/client-s3-2024') as typeof import('@aws-sdk/client-s3');
const providers2024 =
  require('@aws-sdk/credential-providers-2024') as typeof import('@aws-sdk/credential-providers');

const telemetry = harness();
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startWatchedEmulator({ tokenLifetime: '1h' });
});
afterAll(() => emulator.stop());
beforeEach(() => isolateAwsEnvironment());

function client(config: import('@aws-sdk/client-s3').S3ClientConfig = {}) {
  return new s3v2024.S3Client({
    region: emulator.region,
    endpoint: emulator.endpoint,
    forcePathStyle: true,
    ...config,
  });
}

async function roundTrip(s3: import('@aws-sdk/client-s3').S3Client) {
  const bucket = uniqueBucket('sdk-2024');
  await s3.send(new s3v2024.CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new s3v2024.PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'credwatch' }));
  await s3.send(new s3v2024.GetObjectCommand({ Bucket: bucket, Key: 'k' }));
}

describe('@aws-sdk/client-s3 3.658.1 (2024, before @smithy/core absorbed the client)', () => {
  it('loads the 2024 client packages', () => {
    expect(require('@aws-sdk/client-s3-2024/package.json').version).toBe('3.658.1');
    expect(
      telemetry.diagMessages.some((message) =>
        message.includes('"module":"@smithy/smithy-client","version":"3.'),
      ),
    ).toBe(true);
  });

  it('fromTemporaryCredentials: assume_role from the wrapped factory, time to expiry at every signing', async () => {
    await withEnv(emulator.env('env'), async () => {
      const credentials = providers2024.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } });
      const before = Date.now();
      await roundTrip(client({ credentials }));
      const issued = lastIssued(emulator, 'sts:AssumeRole');
      const signings = await telemetry.counter('aws.credentials.signings');
      expect(
        total(signings, {
          'rpc.service': 'S3',
          'aws.credentials.source': 'assume_role',
          'aws.credentials.temporary': true,
        }),
      ).toBe(3);
      const ttl = (await telemetry.histogram('aws.credentials.time_to_expiry')).filter(
        (point) => point.attributes['rpc.service'] === 'S3',
      );
      expect(ttl.map((point) => point.count)).toEqual([3]);
      expect(Math.abs((ttl[0]?.max ?? 0) - (issued.expiration.getTime() - before) / 1000)).toBeLessThan(1);
      expect(
        count(await telemetry.histogram('aws.credentials.refresh.duration'), {
          'aws.credentials.source': 'assume_role',
        }),
      ).toBe(1);
    });
  });

  it('the default chain: container credentials, source from the wrapped factory (no $source tags in 2024)', async () => {
    await withEnv(emulator.env('container'), async () => {
      await roundTrip(client());
      expect(
        total(await telemetry.counter('aws.credentials.signings'), { 'aws.credentials.source': 'container' }),
      ).toBe(3);
      const refreshes = await telemetry.histogram('aws.credentials.refresh.duration');
      expect(refreshes.map((point) => [point.attributes, point.count])).toEqual([
        [{ 'aws.credentials.source': 'container', 'aws.credentials.refresh.trigger': 'initial' }, 1],
      ]);
    });
  });

  it('static keys given in code: untagged in 2024, so indistinguishable from a user function (custom)', async () => {
    await roundTrip(client({ credentials: emulator.longTermKey }));
    expect(
      (await telemetry.counter('aws.credentials.signings')).map((point) => [point.attributes, point.value]),
    ).toEqual([
      [
        {
          'aws.credentials.source': 'custom',
          'rpc.service': 'S3',
          'aws.credentials.expiry_state': 'no_expiry',
          'aws.credentials.temporary': false,
        },
        3,
      ],
    ]);
    const refreshes = await telemetry.histogram('aws.credentials.refresh.duration');
    expect(refreshes.map((point) => [point.attributes, point.count])).toEqual([
      [{ 'aws.credentials.source': 'custom', 'aws.credentials.refresh.trigger': 'initial' }, 1],
    ]);
  });
});
