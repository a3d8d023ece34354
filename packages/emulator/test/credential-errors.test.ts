import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { isolateAwsEnvironment, s3Client, uniqueBucket } from './helpers.js';

// The moments AWS rejects credentials, as the SDK surfaces them: the error `name` and HTTP status.
let emulator: Emulator;

beforeAll(async () => {
  isolateAwsEnvironment();
  emulator = await startEmulator({ tokenLifetime: '1h', refreshRequiredAfter: '50m' });
});
afterAll(() => emulator.stop());
beforeEach(() => {
  emulator.clock.reset();
  emulator.faults.clear();
  emulator.stats.reset();
});

function assumedRoleClient(): S3Client {
  return s3Client(emulator, {
    credentials: fromTemporaryCredentials({
      params: { RoleArn: emulator.roleArn },
      masterCredentials: emulator.longTermKey,
      clientConfig: { endpoint: emulator.urls.sts, region: emulator.region },
    }),
  });
}

async function seeded(s3: S3Client): Promise<string> {
  const bucket = uniqueBucket('errors');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' }));
  return bucket;
}

/** One S3 call per operation the issue names, each expected to be rejected the same way. */
function rejectedCalls(s3: S3Client, bucket: string) {
  return {
    GetObject: () => s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })),
    PutObject: () => s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k2', Body: 'v2' })),
    UploadPart: async () => {
      // The upload is created before the rejection is armed by the caller, so only the part upload is rejected.
      return s3.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: 'mp',
          UploadId: uploadIds.get(bucket),
          PartNumber: 1,
          Body: 'part',
        }),
      );
    },
  };
}
const uploadIds = new Map<string, string>();

describe('expiry and refresh requirements', () => {
  it('ExpiredToken once the emulator clock passes the expiration the SDK still trusts', async () => {
    const s3 = assumedRoleClient();
    const bucket = await seeded(s3);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp' }));
    uploadIds.set(bucket, UploadId as string);
    emulator.clock.advance('1h');
    for (const [operation, call] of Object.entries(rejectedCalls(s3, bucket))) {
      await expect(call(), operation).rejects.toMatchObject({
        name: 'ExpiredToken',
        message: 'The provided token has expired.',
        $fault: 'client',
        $metadata: { httpStatusCode: 400, attempts: 1 },
      });
    }
    expect(emulator.stats.errors('ExpiredToken')).toBe(3);
    expect(emulator.stats.calls('sts:AssumeRole')).toBe(1);
  });

  it('a HEAD request gets the bare 400: the SDK cannot see the code', async () => {
    const s3 = assumedRoleClient();
    const bucket = await seeded(s3);
    emulator.clock.advance('61m');
    const error = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' })).catch((e) => e);
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.name).not.toBe('ExpiredToken');
    expect(error.name).toBe('Unknown');
    expect(emulator.stats.errors('ExpiredToken')).toBe(1);
  });

  it('TokenRefreshRequired when the session is older than refreshRequiredAfter, but not yet expired', async () => {
    const s3 = assumedRoleClient();
    const bucket = await seeded(s3);
    emulator.clock.advance('49m');
    await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    emulator.clock.advance('2m');
    await expect(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).rejects.toMatchObject({
      name: 'TokenRefreshRequired',
      message: 'The provided token must be refreshed.',
      $metadata: { httpStatusCode: 400, attempts: 1 },
    });
    // A forced refresh gets a new session, which S3 accepts.
    await s3.config.credentials({ forceRefresh: true });
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect(await got.Body?.transformToString()).toBe('v');
    expect(emulator.stats.calls('sts:AssumeRole')).toBe(2);
  });

  it('requireRefresh forces TokenRefreshRequired on GET, PUT and part uploads for the keys issued so far', async () => {
    const s3 = assumedRoleClient();
    const bucket = await seeded(s3);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp' }));
    uploadIds.set(bucket, UploadId as string);
    emulator.faults.requireRefresh();
    for (const [operation, call] of Object.entries(rejectedCalls(s3, bucket))) {
      await expect(call(), operation).rejects.toMatchObject({
        name: 'TokenRefreshRequired',
        $metadata: { httpStatusCode: 400 },
      });
    }
    expect(emulator.stats.errors('TokenRefreshRequired')).toBe(3);
  });

  it('requireRefresh and expireToken for one key leave other keys alone', async () => {
    const first = assumedRoleClient();
    const second = assumedRoleClient();
    const bucket = await seeded(first);
    await second.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    const [a, b] = emulator
      .issuedCredentials()
      .filter((c) => c.issuer === 'sts:AssumeRole')
      .slice(-2);
    emulator.faults.expireToken(a?.accessKeyId);
    await expect(first.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).rejects.toMatchObject({
      name: 'ExpiredToken',
    });
    await second.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    emulator.faults.requireRefresh(b?.accessKeyId);
    await expect(second.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).rejects.toMatchObject({
      name: 'TokenRefreshRequired',
    });
    expect(() => emulator.faults.requireRefresh('ASIANOTAKEY')).toThrow(
      '"ASIANOTAKEY" is not a session key this emulator issued',
    );
  });

  it('STS rejects an expired caller session with ExpiredToken', async () => {
    const base = fromTemporaryCredentials({
      params: { RoleArn: emulator.roleArn },
      masterCredentials: emulator.longTermKey,
      clientConfig: { endpoint: emulator.urls.sts, region: emulator.region },
    });
    const chained = fromTemporaryCredentials({
      params: { RoleArn: emulator.roleArn, RoleSessionName: 'chained' },
      masterCredentials: await base(),
      clientConfig: { endpoint: emulator.urls.sts, region: emulator.region },
    });
    emulator.clock.advance('2h');
    await expect(chained()).rejects.toMatchObject({
      name: 'ExpiredToken',
      $metadata: { httpStatusCode: 400 },
    });
    expect(emulator.stats.errors('ExpiredToken')).toBe(1);
  });
});

describe('keys and signatures', () => {
  it('an unknown key is InvalidAccessKeyId', async () => {
    const s3 = s3Client(emulator, {
      credentials: { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) },
    });
    await expect(s3.send(new CreateBucketCommand({ Bucket: uniqueBucket() }))).rejects.toMatchObject({
      name: 'InvalidAccessKeyId',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('the wrong secret is SignatureDoesNotMatch', async () => {
    const s3 = s3Client(emulator, {
      credentials: { ...emulator.longTermKey, secretAccessKey: 'wrong'.repeat(8) },
    });
    await expect(s3.send(new CreateBucketCommand({ Bucket: uniqueBucket() }))).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('a session key with another session token is InvalidToken', async () => {
    const session = await fromTemporaryCredentials({
      params: { RoleArn: emulator.roleArn },
      masterCredentials: emulator.longTermKey,
      clientConfig: { endpoint: emulator.urls.sts, region: emulator.region },
    })();
    const s3 = s3Client(emulator, { credentials: { ...session, sessionToken: `${session.sessionToken}x` } });
    await expect(s3.send(new CreateBucketCommand({ Bucket: uniqueBucket() }))).rejects.toMatchObject({
      name: 'InvalidToken',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('a skewed server clock is RequestTimeTooSkewed, which the SDK corrects and retries', async () => {
    const s3 = s3Client(emulator, { credentials: emulator.longTermKey });
    emulator.faults.clockSkew('20m');
    await s3.send(new CreateBucketCommand({ Bucket: uniqueBucket('skew') }));
    expect(emulator.stats.errors('RequestTimeTooSkewed')).toBe(1);
    expect(emulator.stats.calls('s3:CreateBucket')).toBe(2);
  });
});
