import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { isolateAwsEnvironment, s3Client, uniqueBucket, withEnv } from './helpers.js';

let emulator: Emulator;

beforeAll(async () => {
  isolateAwsEnvironment();
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());
beforeEach(() => {
  emulator.faults.clear();
  emulator.stats.reset();
  emulator.clock.reset();
});

function temporary() {
  return fromTemporaryCredentials({
    params: { RoleArn: emulator.roleArn },
    masterCredentials: emulator.longTermKey,
    clientConfig: { endpoint: emulator.urls.sts, region: emulator.region },
  });
}

describe('endpoint faults', () => {
  it('STS 500s are retried by the SDK: two failures, then credentials', async () => {
    emulator.faults.failNext('sts:AssumeRole', { type: 'error' }, 2);
    const creds = await temporary()();
    expect(creds.accessKeyId).toMatch(/^ASIA/);
    expect(emulator.stats.calls('sts:AssumeRole')).toBe(3);
    expect(emulator.stats.errors('InternalFailure')).toBe(2);
  });

  it('STS throttling surfaces as Throttling once the SDK runs out of attempts', async () => {
    emulator.faults.failNext('sts', { type: 'throttle' }, 3);
    await expect(temporary()()).rejects.toMatchObject({
      name: 'Throttling',
      $metadata: { httpStatusCode: 400, attempts: 3 },
    });
    expect(emulator.stats.calls('sts:AssumeRole')).toBe(3);
  });

  it('a dropped S3 connection is retried', async () => {
    const s3 = s3Client(emulator, { credentials: emulator.longTermKey });
    emulator.faults.failNext('s3:CreateBucket', { type: 'drop' });
    await s3.send(new CreateBucketCommand({ Bucket: uniqueBucket('drop') }));
    expect(emulator.stats.calls('s3:CreateBucket')).toBe(2);
  });

  it('S3 SlowDown and custom errors use S3 codes', async () => {
    const s3 = s3Client(emulator, { credentials: emulator.longTermKey, maxAttempts: 1 });
    emulator.faults.failNext('s3', { type: 'throttle' });
    await expect(s3.send(new CreateBucketCommand({ Bucket: uniqueBucket() }))).rejects.toMatchObject({
      name: 'SlowDown',
      $metadata: { httpStatusCode: 503 },
    });
    emulator.faults.failNext('s3:CreateBucket', {
      type: 'error',
      status: 403,
      code: 'AccessDenied',
      message: 'nope',
    });
    await expect(s3.send(new CreateBucketCommand({ Bucket: uniqueBucket() }))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'nope',
    });
  });

  it('a delay holds the answer back, then answers normally', async () => {
    emulator.faults.failNext('container', { type: 'delay', ms: 300 });
    const started = performance.now();
    const res = await fetch(emulator.urls.container);
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('the container endpoint failing once: the SDK retries and the app never notices', async () => {
    emulator.faults.failNext('container', { type: 'error', status: 500 });
    await withEnv(emulator.env('container'), async () => {
      await s3Client(emulator).send(new CreateBucketCommand({ Bucket: uniqueBucket('container-retry') }));
    });
    expect(emulator.stats.calls('container')).toBe(2);
  });

  it('IMDS serving already-expired credentials: S3 answers ExpiredToken', async () => {
    emulator.faults.serveExpiredCredentials('imds');
    await withEnv(emulator.env('imds'), async () => {
      const s3 = s3Client(emulator);
      const error = await s3
        .send(new CreateBucketCommand({ Bucket: uniqueBucket('imds-expired') }))
        .catch((e) => e);
      expect(error.name).toBe('ExpiredToken');
    });
    expect(emulator.stats.calls('imds:credentials')).toBe(1);
    expect(emulator.faults.pending()).toEqual({});
  });

  it('malformed: a 200 whose body is cut short, in the service format', async () => {
    emulator.faults.failNext('container', { type: 'malformed' });
    const response = await fetch(emulator.urls.container);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    // The SDK cannot parse a cut-short STS answer; a 200 is not retried.
    emulator.faults.failNext('sts:AssumeRole', { type: 'malformed' });
    await expect(temporary()()).rejects.toThrow();
    expect(emulator.stats.calls('sts:AssumeRole')).toBe(1);
    expect(emulator.faults.pending()).toEqual({});
  });

  it('validates fault arguments with messages that name them', () => {
    expect(() => emulator.faults.failNext('dynamodb' as never, { type: 'error' })).toThrow(
      'faults.failNext: target must be',
    );
    expect(() => emulator.faults.failNext('s3', { type: 'explode' } as never)).toThrow(
      'fault.type must be error, throttle, delay, drop or malformed',
    );
    expect(() => emulator.faults.failNext('s3', { type: 'error' }, 0)).toThrow(
      'times must be a positive integer',
    );
    expect(() => emulator.faults.clockSkew('soon')).toThrow('faults.clockSkew: expected a duration');
  });
});

describe('control API over HTTP', () => {
  async function control(path: string, init?: RequestInit) {
    const res = await fetch(`${emulator.urls.control}${path}`, init);
    // biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked field by field below.
    return { status: res.status, body: (await res.json()) as any };
  }

  it('injects faults, moves the clock and reports stats and credentials without secrets', async () => {
    const s3 = s3Client(emulator, { credentials: temporary() });
    const bucket = uniqueBucket('control');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' }));

    const post = (body: unknown) => control('faults', { method: 'POST', body: JSON.stringify(body) });
    expect(await post({ action: 'requireRefresh' })).toEqual({ status: 200, body: { ok: true } });
    await expect(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).rejects.toMatchObject({
      name: 'TokenRefreshRequired',
    });
    expect((await control('faults', { method: 'DELETE' })).status).toBe(200);

    expect((await control('clock', { method: 'POST', body: JSON.stringify({ advance: '2h' }) })).status).toBe(
      200,
    );
    await expect(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).rejects.toMatchObject({
      name: 'ExpiredToken',
    });
    expect((await control('clock')).body.offsetMs).toBe(7_200_000);

    const stats = await control('stats');
    expect(stats.body.calls['sts:AssumeRole']).toBe(1);
    expect(stats.body.errors).toEqual({ TokenRefreshRequired: 1, ExpiredToken: 1 });

    const credentials = await control('credentials');
    const text = JSON.stringify(credentials.body);
    for (const issued of emulator.issuedCredentials()) {
      expect(text).not.toContain(issued.secretAccessKey);
      if (issued.sessionToken) expect(text).not.toContain(issued.sessionToken);
    }
    const issuers = credentials.body.map((c: { issuer: string }) => c.issuer);
    expect(issuers).toEqual(emulator.issuedCredentials().map((c) => c.issuer));
    expect([issuers[0], issuers.at(-1)]).toEqual(['long-term', 'sts:AssumeRole']);
    expect(Object.keys(credentials.body.at(-1)).sort()).toEqual([
      'accessKeyId',
      'arn',
      'expiration',
      'issuedAt',
      'issuer',
    ]);
  });

  it('answers bad control requests with 400s that say what is wrong', async () => {
    expect(await control('faults', { method: 'POST', body: '{not json' })).toEqual({
      status: 400,
      body: { code: 'MalformedJSON', message: 'The request body is not valid JSON.' },
    });
    const unknown = await control('faults', { method: 'POST', body: JSON.stringify({ action: 'explode' }) });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('action must be failNext');
    const badTarget = await control('faults', {
      method: 'POST',
      body: JSON.stringify({ action: 'failNext', target: 'x', fault: { type: 'drop' } }),
    });
    expect(badTarget.body.message).toContain('target must be s3, sts, imds, container or sso');
    expect((await control('nothing-here')).status).toBe(404);
  });
});
