import type { S3Client } from '@aws-sdk/client-s3';
import { withEnv } from '@credwatch/test-support';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { harness } from './harness.js';
import {
  bucket,
  emulator,
  lastIssued,
  moveClockTo,
  putObject,
  s3Client,
  sdk,
  total,
  useEmulator,
} from './helpers.js';

const telemetry = harness();
useEmulator('rejections');

beforeAll(async () => {
  await putObject(s3Client(emulator, { credentials: emulator.longTermKey }), bucket, 'existing');
});
beforeEach(() => {
  Object.assign(process.env, emulator.env('env'));
  emulator.faults.clear();
});

/** A session from the emulator's STS, kept by the caller as a bare key triple and its expiration (ms). */
async function assumedSession(name: string) {
  const session = await new sdk.sts.STSClient({ region: emulator.region }).send(
    new sdk.sts.AssumeRoleCommand({ RoleArn: emulator.roleArn, RoleSessionName: name }),
  );
  const issued = session.Credentials as NonNullable<typeof session.Credentials>;
  return {
    triple: {
      accessKeyId: issued.AccessKeyId as string,
      secretAccessKey: issued.SecretAccessKey as string,
      sessionToken: issued.SessionToken as string,
    },
    expiration: (issued.Expiration as Date).getTime(),
  };
}

type Operation = 'GetObject' | 'PutObject' | 'HeadObject' | 'UploadPart';
const OPERATIONS: Operation[] = ['GetObject', 'PutObject', 'HeadObject', 'UploadPart'];

/**
 * Runs one S3 operation after a first call has fetched the client's credentials (for UploadPart, the
 * upload is created); then `reject` turns S3 against them.
 */
async function run(s3: S3Client, operation: Operation, reject: () => void): Promise<unknown> {
  const { s3: s3Sdk } = sdk;
  const upload = await s3.send(new s3Sdk.CreateMultipartUploadCommand({ Bucket: bucket, Key: 'multipart' }));
  reject();
  const commands = {
    GetObject: () => new s3Sdk.GetObjectCommand({ Bucket: bucket, Key: 'existing' }),
    PutObject: () => new s3Sdk.PutObjectCommand({ Bucket: bucket, Key: 'new', Body: 'credwatch' }),
    HeadObject: () => new s3Sdk.HeadObjectCommand({ Bucket: bucket, Key: 'existing' }),
    UploadPart: () =>
      new s3Sdk.UploadPartCommand({
        Bucket: bucket,
        Key: 'multipart',
        UploadId: upload.UploadId,
        PartNumber: 1,
        Body: 'part',
      }),
  };
  return s3.send(commands[operation]() as never).then(
    () => expect.unreachable(`${operation} should have been rejected`),
    (error: unknown) => error,
  );
}

async function rejections() {
  return (await telemetry.counter('aws.credentials.rejections')).map((point) => ({
    ...point.attributes,
    count: point.value,
  }));
}

function rejectionSpan() {
  const spans = telemetry.spans('aws.credentials.rejection');
  expect(spans).toHaveLength(1);
  return spans[0] as NonNullable<(typeof spans)[0]>;
}

describe.each(OPERATIONS)('%s rejected', (operation) => {
  const inferred = operation === 'HeadObject';

  it('TokenRefreshRequired: recorded once, with the signing credentials', async () => {
    const credentials = sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } });
    const s3 = s3Client(emulator, { credentials });
    const error = (await run(s3, operation, () => emulator.faults.requireRefresh())) as Error;
    expect(error.name).toBe(inferred ? 'Unknown' : 'TokenRefreshRequired');

    expect(await rejections()).toEqual([
      {
        'error.type': 'TokenRefreshRequired',
        'aws.credentials.source': 'assume_role',
        'rpc.service': 'S3',
        'aws.credentials.expiry_state': 'valid',
        count: 1,
      },
    ]);
    const span = rejectionSpan();
    expect(span.attributes).toMatchObject({
      'rpc.system': 'aws-api',
      'rpc.service': 'S3',
      'rpc.method': operation,
      'aws.s3.bucket': bucket,
      'http.response.status_code': 400,
      'error.type': 'TokenRefreshRequired',
      'aws.credentials.source': 'assume_role',
      'aws.credentials.expiry_state': 'valid',
    });
    expect(span.status.code).toBe(2);
    expect(span.events.map((event) => event.name)).toEqual(['aws.credentials.rejected']);
    const event = span.events[0]?.attributes ?? {};
    expect(event).toMatchObject({
      'error.type': 'TokenRefreshRequired',
      'aws.credentials.rejection.inferred': inferred,
      'aws.credentials.refresh_in_flight': false,
    });
    const issued = lastIssued(emulator, 'sts:AssumeRole');
    expect(
      Math.abs(
        (event['aws.credentials.time_to_expiry'] as number) -
          (issued.expiration.getTime() - Date.now()) / 1000,
      ),
    ).toBeLessThan(1);
    expect(event['aws.credentials.age']).toBeGreaterThanOrEqual(0);
    expect(event['aws.credentials.age']).toBeLessThan(1);
  });

  it('ExpiredToken: a cached key triple used past its expiration', async () => {
    const { triple, expiration } = await assumedSession('cached');
    const s3 = s3Client(emulator, { credentials: { ...triple, expiration: new Date(expiration) } });
    const error = (await run(s3, operation, () => moveClockTo(expiration + 120_000))) as Error;
    expect(error.name).toBe(inferred ? 'Unknown' : 'ExpiredToken');

    expect(await rejections()).toEqual([
      {
        'error.type': 'ExpiredToken',
        'aws.credentials.source': 'static',
        'rpc.service': 'S3',
        'aws.credentials.expiry_state': 'expired',
        count: 1,
      },
    ]);
    const event = rejectionSpan().events[0]?.attributes ?? {};
    expect(event['aws.credentials.rejection.inferred']).toBe(inferred);
    expect(event['aws.credentials.time_to_expiry']).toBeCloseTo(-120, 0);
    // The histogram takes no negative values: the expired signing is a 0, not a dropped measurement.
    const [staticTtl] = await telemetry
      .histogram('aws.credentials.time_to_expiry')
      .then((points) => points.filter((point) => point.attributes['aws.credentials.source'] === 'static'));
    expect(staticTtl?.min).toBe(0);
    expect(telemetry.diagMessages.filter((message) => message.includes('negative value'))).toEqual([]);
    expect(
      total(await telemetry.counter('aws.credentials.signings'), {
        'rpc.service': 'S3',
        'aws.credentials.expiry_state': 'expired',
        'aws.credentials.temporary': true,
      }),
    ).toBe(1);
  });
});

describe('a body-less HEAD rejection', () => {
  it('reads as what the service last told the same key, not as a guess from the signing', async () => {
    const { triple, expiration } = await assumedSession('triple');
    // A raw key triple: the SDK (and credwatch) do not know when it expires.
    const s3 = s3Client(emulator, { credentials: triple });
    moveClockTo(expiration + 60_000);
    const put = new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: 'late', Body: 'x' });
    await expect(s3.send(put)).rejects.toMatchObject({ name: 'ExpiredToken' });
    const head = new sdk.s3.HeadObjectCommand({ Bucket: bucket, Key: 'existing' });
    await expect(s3.send(head)).rejects.toMatchObject({
      name: 'Unknown',
      $metadata: { httpStatusCode: 400 },
    });

    expect(await rejections()).toEqual([
      {
        'error.type': 'ExpiredToken',
        'aws.credentials.source': 'static',
        'rpc.service': 'S3',
        'aws.credentials.expiry_state': 'no_expiry',
        count: 2,
      },
    ]);
    const events = telemetry.spans('aws.credentials.rejection').map((span) => span.events[0]?.attributes);
    expect(
      events.map((event) => [event?.['error.type'], event?.['aws.credentials.rejection.inferred']]),
    ).toEqual([
      ['ExpiredToken', false],
      ['ExpiredToken', true],
    ]);
  });
});

describe('retries', () => {
  it('every attempt is a signing; a rejection after a throttled attempt is counted once', async () => {
    const s3 = s3Client(emulator, { credentials: emulator.longTermKey });
    emulator.faults.failNext('s3:PutObject', { type: 'throttle' }, 2);
    await putObject(s3, bucket, 'throttled');
    expect(total(await telemetry.counter('aws.credentials.signings'), { 'rpc.service': 'S3' })).toBe(3);

    const credentials = sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } });
    const session = s3Client(emulator, { credentials });
    await putObject(session, bucket, 'first');
    emulator.faults.failNext('s3:PutObject', { type: 'throttle' }, 1);
    emulator.faults.requireRefresh();
    await expect(putObject(session, bucket, 'second')).rejects.toMatchObject({
      name: 'TokenRefreshRequired',
    });
    expect(
      total(await telemetry.counter('aws.credentials.signings'), {
        'rpc.service': 'S3',
        'aws.credentials.source': 'assume_role',
      }),
    ).toBe(3);
    expect(total(await telemetry.counter('aws.credentials.rejections'))).toBe(1);
  });

  it('STS rejecting an expired caller: ExpiredToken on STS, from the role chain that used it', async () => {
    await withEnv({ AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' }, async () => {
      const session = await new sdk.sts.STSClient({
        region: emulator.region,
        credentials: emulator.longTermKey,
      }).send(new sdk.sts.GetSessionTokenCommand({}));
      const cached = session.Credentials as NonNullable<typeof session.Credentials>;
      moveClockTo((cached.Expiration as Date).getTime() + 60_000);
      const sts = new sdk.sts.STSClient({
        region: emulator.region,
        credentials: {
          accessKeyId: cached.AccessKeyId as string,
          secretAccessKey: cached.SecretAccessKey as string,
          sessionToken: cached.SessionToken as string,
        },
      });
      await expect(sts.send(new sdk.sts.GetCallerIdentityCommand({}))).rejects.toMatchObject({
        name: 'ExpiredToken',
      });
    });
    expect(await rejections()).toEqual([
      {
        'error.type': 'ExpiredToken',
        'aws.credentials.source': 'static',
        'rpc.service': 'STS',
        'aws.credentials.expiry_state': 'no_expiry',
        count: 1,
      },
    ]);
  });
});

describe('a client that reuses its resolved handlers (cacheMiddleware: true)', () => {
  it('tells each rejection against its own signing, not the latest one of the client', async () => {
    // With cacheMiddleware, the SDK builds the middleware chain once per command class and runs every send
    // through it: per-send state kept there would be shared between concurrent sends.
    const ending = await assumedSession('ending');
    const fresh = await assumedSession('fresh');
    const endingIdentity = { ...ending.triple, expiration: new Date(Date.now() + 240_000) };
    const freshIdentity = { ...fresh.triple, expiration: new Date(Date.now() + 3_600_000) };
    // Inside the SDK's 5-minute window, the ending session is asked for again at every call; this provider
    // hands it out until the second GetObject starts, then the fresh one.
    let current = endingIdentity;
    const s3 = s3Client(emulator, { cacheMiddleware: true, credentials: async () => current });
    emulator.faults.requireRefresh(ending.triple.accessKeyId);
    // The first GetObject, signed with the ending session, is answered after the second one has signed.
    emulator.faults.failNext('s3:GetObject', { type: 'delay', ms: 300 });
    const get = () => s3.send(new sdk.s3.GetObjectCommand({ Bucket: bucket, Key: 'existing' }));
    const first = get().then(
      () => expect.unreachable('the ending session should have been rejected'),
      (error: Error) => error.name,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    current = freshIdentity;
    await get();
    expect(await first).toBe('TokenRefreshRequired');
    expect(emulator.stats.signedBy(ending.triple.accessKeyId)).toEqual({ 's3:GetObject': 1 });
    expect(emulator.stats.signedBy(fresh.triple.accessKeyId)).toEqual({ 's3:GetObject': 1 });

    expect(await rejections()).toEqual([
      {
        'error.type': 'TokenRefreshRequired',
        'aws.credentials.source': 'assume_role',
        'rpc.service': 'S3',
        'aws.credentials.expiry_state': 'refresh_window',
        count: 1,
      },
    ]);
    const event = rejectionSpan().events[0]?.attributes ?? {};
    expect(event['aws.credentials.time_to_expiry']).toBeGreaterThan(235);
    expect(event['aws.credentials.time_to_expiry']).toBeLessThanOrEqual(240);
  });
});
