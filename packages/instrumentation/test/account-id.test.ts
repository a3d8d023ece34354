import { withEnv } from '@credwatch/test-support';
import { afterEach, expect, it } from 'vitest';
import { harness } from './harness.js';
import { bucket, emulator, s3Client, sdk, useEmulator } from './helpers.js';

// accountIdAttribute: the account the signing credentials belong to, on signings and rejections.
const telemetry = harness();
useEmulator('account');
afterEach(() => telemetry.instrumentation.setConfig({}));

const put = (s3: ReturnType<typeof s3Client>, key: string) =>
  s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));

it('on: signings and rejections carry the account the STS answer named; off: neither does', async () => {
  const run = () =>
    withEnv(emulator.env('env'), async () => {
      const s3 = s3Client(emulator, {
        credentials: sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } }),
      });
      await put(s3, 'a');
      emulator.faults.failNext('s3:PutObject', {
        type: 'error',
        status: 400,
        code: 'TokenRefreshRequired',
        message: 'refresh',
      });
      await expect(put(s3, 'b')).rejects.toThrow('refresh');
    });
  const accounts = async (metric: string) =>
    (await telemetry.counter(metric))
      .filter((point) => point.attributes['rpc.service'] === 'S3')
      .map((point) => point.attributes['aws.credentials.account_id']);

  telemetry.reset();
  telemetry.instrumentation.setConfig({ accountIdAttribute: true });
  await run();
  expect(await accounts('aws.credentials.signings')).toEqual([emulator.accountId]);
  expect(await accounts('aws.credentials.rejections')).toEqual([emulator.accountId]);

  telemetry.reset();
  await run();
  expect(await accounts('aws.credentials.signings')).toEqual([undefined]);
  expect(await accounts('aws.credentials.rejections')).toEqual([undefined]);
});
