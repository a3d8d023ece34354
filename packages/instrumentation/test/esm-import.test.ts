import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { Emulator } from '@credwatch/emulator';
import { isolateAwsEnvironment, uniqueBucket, withEnv } from '@credwatch/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { harness } from './harness.js';
import { count, startWatchedEmulator, total } from './helpers.js';

// An ESM `import` of @aws-sdk/credential-providers bypasses require hooks (its own factories are not
// wrapped; the clients' internals still are). The AssumeRole call its provider makes names the route.
const telemetry = harness();
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startWatchedEmulator({ tokenLifetime: '1h' });
  isolateAwsEnvironment();
});
afterAll(() => emulator.stop());

it('fromTemporaryCredentials imported from ESM still reports assume_role', async () => {
  await withEnv(emulator.env('env'), async () => {
    const s3 = new S3Client({
      region: emulator.region,
      endpoint: emulator.endpoint,
      forcePathStyle: true,
      credentials: fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } }),
    });
    const bucket = uniqueBucket('esm');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'credwatch' }));
  });
  const signings = await telemetry.counter('aws.credentials.signings');
  expect(total(signings, { 'rpc.service': 'S3', 'aws.credentials.source': 'assume_role' })).toBe(2);
  const refreshes = await telemetry.histogram('aws.credentials.refresh.duration');
  expect(
    count(refreshes, {
      'aws.credentials.source': 'assume_role',
      'aws.credentials.refresh.trigger': 'initial',
    }),
  ).toBe(1);
  // Unwrapped, the provider's nested STS client fetches its source credentials as a refresh of its own.
  expect(count(refreshes, { 'aws.credentials.source': 'env' })).toBe(1);
});
