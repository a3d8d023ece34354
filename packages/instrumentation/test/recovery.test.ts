import { Readable } from 'node:stream';
import { withEnv } from '@credwatch/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { instrumentClient } from '../src/index.js';
import { harness } from './harness.js';
import { bucket, emulator, moveClockTo, s3Client, sdk, total, useEmulator } from './helpers.js';

// recover: true. S3 demands a new session mid-run (the emulator marks every session issued so far); with
// recovery on, credwatch refreshes once and sends the request again, signed with the new session.
const telemetry = harness();
useEmulator('recovery');

beforeEach(() => {
  emulator.faults.clear();
  emulator.stats.reset();
  // Read when a client is instrumented (its first send): every client below is created after this.
  telemetry.instrumentation.setConfig({ recover: true });
});
afterEach(() => telemetry.instrumentation.setConfig({}));

const recoveries = async () =>
  (await telemetry.counter('aws.credentials.recoveries')).map((point) => [point.attributes, point.value]);
const assumed = () => emulator.issuedCredentials().filter(({ issuer }) => issuer === 'sts:AssumeRole').length;

function temporaryClient() {
  return s3Client(emulator, {
    credentials: sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } }),
  });
}

describe('recover: true', () => {
  it('TokenRefreshRequired mid-run: one refresh, the request succeeds, and the job goes on', async () => {
    await withEnv(emulator.env('env'), async () => {
      const s3 = temporaryClient();
      await s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: 'a', Body: 'one' }));
      const before = assumed();
      emulator.faults.requireRefresh();
      await s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: 'b', Body: 'two' }));
      await s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: 'c', Body: 'three' }));
      expect(assumed() - before).toBe(1);
      const got = await s3.send(new sdk.s3.GetObjectCommand({ Bucket: bucket, Key: 'b' }));
      expect(await got.Body?.transformToString()).toBe('two');
    });
    expect(await recoveries()).toEqual([
      [
        {
          'aws.credentials.recovery.outcome': 'recovered',
          'error.type': 'TokenRefreshRequired',
          'aws.credentials.source': 'assume_role',
        },
        1,
      ],
    ]);
    expect(total(await telemetry.counter('aws.credentials.rejections'))).toBe(1);
  });

  it('a client that reuses its resolved handlers (cacheMiddleware: true): each operation gets its own recovery', async () => {
    // The SDK then builds the middleware chain once per command class: "once per operation" must not become
    // "once per command class", nor the first operation's state leak into the next.
    await withEnv(emulator.env('env'), async () => {
      const s3 = s3Client(emulator, {
        cacheMiddleware: true,
        credentials: sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } }),
      });
      await s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: 'a', Body: 'a' }));
      for (const key of ['b', 'c']) {
        emulator.faults.requireRefresh();
        await s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
      }
    });
    expect(await recoveries()).toEqual([
      [
        {
          'aws.credentials.recovery.outcome': 'recovered',
          'error.type': 'TokenRefreshRequired',
          'aws.credentials.source': 'assume_role',
        },
        2,
      ],
    ]);
  });

  it.each(['container', 'imds'] as const)(
    'the default chain (%s): once the endpoint has rotated its session, the rejected one is replaced and the job goes on',
    async (route) => {
      await withEnv(emulator.env(route), async () => {
        const s3 = s3Client(emulator);
        await s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: `${route}-r1`, Body: 'one' }));
        const [first] = emulator
          .issuedCredentials()
          .filter(({ issuer }) => issuer === route)
          .slice(-1);
        // 35 minutes into a one-hour session: the endpoint hands out a new one from now on (EC2 and ECS rotate
        // well before expiry), while the SDK keeps the one it holds until its own 5-minute window.
        moveClockTo(Date.now() + 35 * 60_000);
        emulator.faults.requireRefresh();
        await s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: `${route}-r2`, Body: 'two' }));
        await s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: `${route}-r3`, Body: 'three' }));
        const issued = emulator.issuedCredentials().filter(({ issuer }) => issuer === route);
        const rotated = issued.at(-1);
        expect(rotated?.accessKeyId).not.toBe(first?.accessKeyId);
        // The rejected PutObject was sent again with the rotated session, and so was the next one.
        expect(emulator.stats.signedBy(rotated?.accessKeyId as string)).toEqual({ 's3:PutObject': 2 });
      });
      expect(await recoveries()).toEqual([
        [
          {
            'aws.credentials.recovery.outcome': 'recovered',
            'error.type': 'TokenRefreshRequired',
            'aws.credentials.source': route,
          },
          1,
        ],
      ]);
      expect(total(await telemetry.counter('aws.credentials.rejections'))).toBe(1);
    },
  );

  it.each(['container', 'imds'] as const)(
    'the default chain (%s): the endpoint hands back the session just rejected, so nothing is sent again',
    async (route) => {
      await withEnv(emulator.env(route), async () => {
        const s3 = s3Client(emulator);
        await s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: `${route}-a`, Body: 'one' }));
        emulator.faults.requireRefresh();
        await expect(
          s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: `${route}-b`, Body: 'two' })),
        ).rejects.toMatchObject({ name: 'TokenRefreshRequired' });
      });
      expect(await recoveries()).toEqual([
        [
          {
            'aws.credentials.recovery.outcome': 'skipped',
            'error.type': 'TokenRefreshRequired',
            'aws.credentials.source': route,
            'aws.credentials.recovery.skip_reason': 'same_credentials',
          },
          1,
        ],
      ]);
      // One PutObject rejected, and no second one: the forced refresh was the only extra call.
      expect(total(await telemetry.counter('aws.credentials.rejections'))).toBe(1);
    },
  );

  it('a multipart Upload: parts rejected mid-upload are sent again, and the object is whole', async () => {
    const part = 5 * 1024 * 1024;
    const data = Buffer.alloc(3 * part + 1234, 7);
    await withEnv(emulator.env('env'), async () => {
      const s3 = temporaryClient();
      const upload = new sdk.storage.Upload({
        client: s3,
        params: { Bucket: bucket, Key: 'multipart', Body: data },
        partSize: part,
        queueSize: 1,
      });
      let demanded = false;
      upload.on('httpUploadProgress', () => {
        // After the first part: every session issued so far must be replaced.
        if (!demanded) emulator.faults.requireRefresh();
        demanded = true;
      });
      await upload.done();
      const head = await s3.send(new sdk.s3.HeadObjectCommand({ Bucket: bucket, Key: 'multipart' }));
      expect(head.ContentLength).toBe(data.length);
    });
    expect(await recoveries()).toEqual([
      [
        {
          'aws.credentials.recovery.outcome': 'recovered',
          'error.type': 'TokenRefreshRequired',
          'aws.credentials.source': 'assume_role',
        },
        1,
      ],
    ]);
  });

  it('a streaming body is not sent twice: the error reaches the application, the reason is counted', async () => {
    await withEnv(emulator.env('env'), async () => {
      const s3 = temporaryClient();
      await s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: 'warm', Body: 'x' }));
      emulator.faults.requireRefresh();
      const body = Readable.from([Buffer.from('streamed')]);
      await expect(
        s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: 'stream', Body: body, ContentLength: 8 })),
      ).rejects.toMatchObject({ name: 'TokenRefreshRequired' });
    });
    expect(await recoveries()).toContainEqual([
      {
        'aws.credentials.recovery.outcome': 'skipped',
        'error.type': 'TokenRefreshRequired',
        'aws.credentials.source': 'assume_role',
        'aws.credentials.recovery.skip_reason': 'streaming_body',
      },
      1,
    ]);
  });

  it('never twice for one operation: a retry after a failed recovery is not refreshed again', async () => {
    await withEnv(emulator.env('env'), async () => {
      const temporary = sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } });
      let forced = 0;
      // The session the recovery fetches is rejected too, and the recovered attempt is throttled, so the
      // SDK's retry step sends the operation once more: into a second TokenRefreshRequired.
      const credentials = async (options?: { forceRefresh?: boolean }) => {
        const identity = await temporary(options as Parameters<typeof temporary>[0]);
        if (options?.forceRefresh === true) {
          forced++;
          emulator.faults.requireRefresh();
          emulator.faults.failNext('s3:PutObject', { type: 'throttle' });
        }
        return identity;
      };
      const s3 = s3Client(emulator, { credentials });
      await s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: 'warm', Body: 'x' }));
      emulator.faults.requireRefresh();
      emulator.stats.reset();
      await expect(
        s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: 'twice', Body: 'y' })),
      ).rejects.toMatchObject({ name: 'TokenRefreshRequired' });
      expect(forced).toBe(1);
      // Rejected, sent again and throttled, retried by the SDK and rejected: three attempts, one refresh.
      expect(emulator.stats.calls('s3:PutObject')).toBe(3);
      expect(emulator.stats.errors('TokenRefreshRequired')).toBe(2);
    });
    expect(await recoveries()).toEqual([
      [
        {
          'aws.credentials.recovery.outcome': 'failed',
          'error.type': 'TokenRefreshRequired',
          'aws.credentials.source': 'assume_role',
        },
        1,
      ],
    ]);
  });

  it('credentials handed to the client: skipped, with one warning naming the fix', async () => {
    await withEnv(emulator.env('env'), async () => {
      const { Credentials } = await new sdk.sts.STSClient({ region: emulator.region }).send(
        new sdk.sts.AssumeRoleCommand({ RoleArn: emulator.roleArn, RoleSessionName: 'held' }),
      );
      const s3 = s3Client(emulator, {
        credentials: {
          accessKeyId: Credentials?.AccessKeyId as string,
          secretAccessKey: Credentials?.SecretAccessKey as string,
          sessionToken: Credentials?.SessionToken as string,
        },
      });
      emulator.faults.requireRefresh();
      for (const key of ['p', 'q'])
        await expect(
          s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: key, Body: key })),
        ).rejects.toMatchObject({
          name: 'TokenRefreshRequired',
        });
    });
    expect(await recoveries()).toContainEqual([
      {
        'aws.credentials.recovery.outcome': 'skipped',
        'error.type': 'TokenRefreshRequired',
        'aws.credentials.source': 'static',
        'aws.credentials.recovery.skip_reason': 'static_credentials',
      },
      2,
    ]);
    expect(
      telemetry.diagMessages.filter((message) =>
        message.includes('recover: S3 signs with credentials handed'),
      ),
    ).toHaveLength(1);
  });
});

describe('recover off (the default)', () => {
  it('the rejection reaches the application as it would without credwatch, and nothing is refreshed', async () => {
    telemetry.instrumentation.setConfig({});
    await withEnv(emulator.env('env'), async () => {
      const s3 = temporaryClient();
      await s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: 'off-1', Body: 'x' }));
      const before = assumed();
      emulator.faults.requireRefresh();
      await expect(
        s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: 'off-2', Body: 'y' })),
      ).rejects.toMatchObject({ name: 'TokenRefreshRequired' });
      expect(assumed() - before).toBe(0);
    });
  });
});

describe('per client: instrumentClient(client, { recover })', () => {
  it('turns recovery on for one client while the setting is off, and off for one while it is on', async () => {
    await withEnv(emulator.env('env'), async () => {
      telemetry.instrumentation.setConfig({});
      const recovering = instrumentClient(temporaryClient(), { recover: true });
      await recovering.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: 'on-a', Body: 'one' }));
      emulator.faults.requireRefresh();
      await recovering.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: 'on-b', Body: 'two' }));

      telemetry.instrumentation.setConfig({ recover: true });
      const plain = instrumentClient(temporaryClient(), { recover: false });
      await plain.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: 'off-a', Body: 'one' }));
      emulator.faults.requireRefresh();
      await expect(
        plain.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: 'off-b', Body: 'two' })),
      ).rejects.toMatchObject({ name: 'TokenRefreshRequired' });
    });
    expect(await recoveries()).toEqual([
      [
        {
          'aws.credentials.recovery.outcome': 'recovered',
          'error.type': 'TokenRefreshRequired',
          'aws.credentials.source': 'assume_role',
        },
        1,
      ],
    ]);
    expect(total(await telemetry.counter('aws.credentials.rejections'))).toBe(2);
  });
});

describe('the default chain with a web identity token', () => {
  it('TokenRefreshRequired: a forced refresh gets a new session from STS, and the job goes on', async () => {
    await withEnv(emulator.env('web_identity'), async () => {
      const s3 = s3Client(emulator);
      await s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: 'wi-a', Body: 'one' }));
      const before = emulator.issuedCredentials().length;
      emulator.faults.requireRefresh();
      await s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: 'wi-b', Body: 'two' }));
      await s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: 'wi-c', Body: 'three' }));
      expect(
        emulator
          .issuedCredentials()
          .slice(before)
          .map((credentials) => credentials.issuer),
      ).toEqual(['sts:AssumeRoleWithWebIdentity']);
    });
    expect(await recoveries()).toEqual([
      [
        {
          'aws.credentials.recovery.outcome': 'recovered',
          'error.type': 'TokenRefreshRequired',
          'aws.credentials.source': 'web_identity',
        },
        1,
      ],
    ]);
  });
});
