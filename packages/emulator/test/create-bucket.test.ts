import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';

// `emulator.createBucket()`: setting up a test or an example without a signed request.
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());

it('seeds a bucket the SDK then lists, and refuses what CreateBucket would refuse', async () => {
  emulator.createBucket('seeded-bucket');
  const s3 = new S3Client({
    region: emulator.region,
    endpoint: emulator.endpoint,
    forcePathStyle: true,
    credentials: emulator.longTermKey,
  });
  const { Buckets } = await s3.send(new ListBucketsCommand({}));
  expect(Buckets?.map((bucket) => bucket.Name)).toEqual(['seeded-bucket']);
  expect(() => emulator.createBucket('seeded-bucket')).toThrow(
    expect.objectContaining({ code: 'BucketAlreadyOwnedByYou' }),
  );
  expect(() => emulator.createBucket('Not_A_Bucket')).toThrow(
    expect.objectContaining({ code: 'InvalidBucketName' }),
  );
});
