import { readFileSync, writeFileSync } from 'node:fs';
import { withEnv } from '@credwatch/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { harness } from './harness.js';
import {
  bucket,
  emulator,
  lastIssued,
  moveClockTo,
  restoreClock,
  s3Client,
  sdk,
  useConfigFiles,
  useEmulator,
} from './helpers.js';

// The detectors, against the real SDK and the emulator: each finding is counted once per subject, carried by
// a span event and a log record with its fix, and written to diag; a healthy set-up reports nothing.
const telemetry = harness();
useEmulator('findings');

beforeEach(() => telemetry.reset());
afterEach(() => restoreClock());

const findings = async () =>
  (await telemetry.counter('aws.credentials.findings')).map((point) => [point.attributes, point.value]);
const put = (s3: ReturnType<typeof s3Client>, key: string) =>
  s3.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));

/** AssumeRole output, as an app that caches it keeps it. */
async function assumeRole(keepExpiration: boolean) {
  const { Credentials } = await new sdk.sts.STSClient({
    region: 'us-east-1',
    endpoint: emulator.urls.sts,
    credentials: emulator.longTermKey,
  }).send(new sdk.sts.AssumeRoleCommand({ RoleArn: emulator.roleArn, RoleSessionName: 'findings' }));
  return {
    accessKeyId: Credentials?.AccessKeyId as string,
    secretAccessKey: Credentials?.SecretAccessKey as string,
    sessionToken: Credentials?.SessionToken as string,
    ...(keepExpiration ? { expiration: Credentials?.Expiration } : {}),
  };
}

describe('temporary_without_expiry', () => {
  it('an AssumeRole key triple kept without its Expiration: once, with the fix, on every signal', async () => {
    const s3 = s3Client(emulator, { credentials: await assumeRole(false) });
    for (const key of ['a', 'b', 'c']) await put(s3, key);

    expect(await findings()).toEqual([
      [
        {
          'aws.credentials.finding.kind': 'temporary_without_expiry',
          'aws.credentials.source': 'static',
          'rpc.service': 'S3',
        },
        1,
      ],
    ]);
    const message =
      'S3 requests are signed with temporary credentials (they carry a session token) that have no ' +
      'expiration: a key triple kept from an earlier AssumeRole, a file or a cache, which the SDK never refreshes.';
    const fix =
      'Give the client a credential provider (fromTemporaryCredentials, fromNodeProviderChain, or no ' +
      'credentials option at all for the default chain) instead of the keys it returned; or keep their ' +
      'Expiration with the keys, so that the SDK knows when to refresh.';
    // No SDK operation span here (instrumentation-aws-sdk is not loaded): credwatch records its own.
    const [span, ...more] = telemetry.spans('aws.credentials.finding');
    expect(more).toEqual([]);
    expect(span?.events.map((event) => [event.name, event.attributes])).toEqual([
      [
        'aws.credentials.finding',
        {
          'aws.credentials.finding.kind': 'temporary_without_expiry',
          'aws.credentials.source': 'static',
          'rpc.service': 'S3',
          'aws.credentials.age': expect.any(Number),
          'aws.credentials.expiry_state': 'no_expiry',
          'rpc.method': 'PutObject',
          'aws.credentials.finding.fix': fix,
        },
      ],
    ]);
    // Seconds since the client got the keys, at its first signing with them.
    const age = span?.events[0]?.attributes?.['aws.credentials.age'] as number;
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(5);
    expect(
      telemetry
        .logs()
        .map((record) => [record.eventName, record.severityText, record.severityNumber, record.body]),
    ).toEqual([['aws.credentials.finding', 'WARN', 13, `${message} Fix: ${fix}`]]);
    expect(telemetry.logs()[0]?.attributes).toEqual(span?.events[0]?.attributes);
    expect(telemetry.diagMessages.filter((line) => line.includes('temporary_without_expiry'))).toEqual([
      `warn @credwatch/instrumentation temporary_without_expiry: ${message} Fix: ${fix}`,
    ]);
  });

  it('the same triple with its Expiration, or a refreshing provider: no finding', async () => {
    await put(s3Client(emulator, { credentials: await assumeRole(true) }), 'kept');
    await withEnv(emulator.env('env'), () =>
      put(
        s3Client(emulator, {
          credentials: sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } }),
        }),
        'provider',
      ),
    );
    expect(await findings()).toEqual([]);
    expect(telemetry.logs()).toEqual([]);
    expect(telemetry.spans('aws.credentials.finding')).toEqual([]);
  });

  it('a session in AWS_SESSION_TOKEN without AWS_CREDENTIAL_EXPIRATION', async () => {
    const session = await assumeRole(false);
    await withEnv(
      {
        ...emulator.env('env'),
        AWS_ACCESS_KEY_ID: session.accessKeyId,
        AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
        AWS_SESSION_TOKEN: session.sessionToken,
      },
      () => put(s3Client(emulator), 'env-session'),
    );
    expect(await findings()).toEqual([
      [
        {
          'aws.credentials.finding.kind': 'temporary_without_expiry',
          'aws.credentials.source': 'env',
          'rpc.service': 'S3',
        },
        1,
      ],
    ]);
    expect(telemetry.logs()[0]?.body).toMatch(
      /^S3 requests are signed with the session in AWS_SESSION_TOKEN,/,
    );
  });
});

describe('findingHook', () => {
  it('gets each finding once with its span; a hook that throws costs the application nothing', async () => {
    const seen: unknown[] = [];
    telemetry.instrumentation.setConfig({
      findingHook: (span, info) => {
        seen.push([span.isRecording(), info.kind, info.source, info.service, info.fix.slice(0, 34)]);
        throw new Error('hook failure');
      },
    });
    const s3 = s3Client(emulator, { credentials: await assumeRole(false) });
    await put(s3, 'hooked');
    await put(s3, 'hooked again');
    expect(seen).toEqual([
      [true, 'temporary_without_expiry', 'static', 'S3', 'Give the client a credential provi'],
    ]);
    expect(telemetry.diagMessages.filter((line) => line.includes('findingHook threw'))).toHaveLength(1);
  });
});

describe('competing_sources', () => {
  it('environment keys and a container endpoint: the keys win, once per configuration', async () => {
    await withEnv(
      { ...emulator.env('env'), AWS_CONTAINER_CREDENTIALS_FULL_URI: emulator.urls.container },
      async () => {
        const s3 = s3Client(emulator);
        await put(s3, 'one');
        await put(s3, 'two');
        await put(s3Client(emulator), 'another client');
      },
    );
    expect(await findings()).toEqual([
      [
        {
          'aws.credentials.finding.kind': 'competing_sources',
          'aws.credentials.source': 'env',
          'rpc.service': 'S3',
        },
        1,
      ],
    ]);
    expect(telemetry.logs().map((record) => record.body)).toEqual([
      'S3 requests are signed with credentials from the keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ' +
        "while a container credentials endpoint (AWS_CONTAINER_CREDENTIALS_*) is also configured in this process's " +
        'environment: the default chain takes the first source that works, so the others are never used. ' +
        'Fix: Configure one source: remove AWS_CONTAINER_CREDENTIALS_FULL_URI from the environment, or the ' +
        'settings of the keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY if one of the others is meant.',
    ]);
  });

  it('AWS_PROFILE next to environment keys: the SDK skips the keys, and the next source signs', async () => {
    useConfigFiles('[profile reporting]\nregion = us-east-1\n');
    await withEnv(
      {
        ...emulator.env('env'),
        AWS_PROFILE: 'reporting',
        AWS_CONTAINER_CREDENTIALS_FULL_URI: emulator.urls.container,
      },
      () => put(s3Client(emulator), 'profile'),
    );
    expect(await findings()).toEqual([
      [
        {
          'aws.credentials.finding.kind': 'competing_sources',
          'aws.credentials.source': 'container',
          'rpc.service': 'S3',
        },
        1,
      ],
    ]);
    expect(telemetry.logs().map((record) => record.body)).toEqual([
      'S3 requests are signed with credentials from a container credentials endpoint (AWS_CONTAINER_CREDENTIALS_*), ' +
        'while the keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and the profile "reporting" (AWS_PROFILE) are ' +
        "also configured in this process's environment: the default chain takes the first source that works (and " +
        'skips environment keys when AWS_PROFILE is set), so the others are never used. Fix: Configure one source: ' +
        'remove AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE from the environment, or the settings of a ' +
        'container credentials endpoint (AWS_CONTAINER_CREDENTIALS_*) if one of the others is meant.',
    ]);
  });

  it('one source, or credentials handed to the client whatever the environment: no finding', async () => {
    await withEnv(emulator.env('env'), () => put(s3Client(emulator), 'alone'));
    await withEnv(
      { ...emulator.env('env'), AWS_CONTAINER_CREDENTIALS_FULL_URI: emulator.urls.container },
      async () => put(s3Client(emulator, { credentials: emulator.longTermKey }), 'handed'),
    );
    expect(await findings()).toEqual([]);
  });
});

describe('unrefreshable_expiring', () => {
  it('credentials handed to the client, signing inside their last five minutes: once per credentials object', async () => {
    const handed = await assumeRole(true);
    const { expiration } = lastIssued(emulator, 'sts:AssumeRole');
    const s3 = s3Client(emulator, { credentials: handed });
    await put(s3, 'early');
    expect(await findings()).toEqual([]);

    moveClockTo(expiration.getTime() - 240_000);
    await put(s3, 'late');
    await put(s3, 'later');
    expect(await findings()).toEqual([
      [
        {
          'aws.credentials.finding.kind': 'unrefreshable_expiring',
          'aws.credentials.source': 'static',
          'rpc.service': 'S3',
        },
        1,
      ],
    ]);
    const [record] = telemetry.logs();
    expect(record?.body).toMatch(
      /^S3 PutObject is signed with credentials handed to the client that expire in 2[34]\d s; nothing can refresh them, so the job outlives its session\. Fix: Give the client a credential provider/,
    );
    expect(record?.attributes).toMatchObject({ 'aws.credentials.expiry_state': 'refresh_window' });
  });
});

describe('unrefreshable_expiring from the environment', () => {
  it('a session copied into the environment, with its expiration: the job outlives it, and nothing re-reads it', async () => {
    const session = await assumeRole(true);
    const expiration = session.expiration as Date;
    await withEnv(
      {
        ...emulator.env('env'),
        AWS_ACCESS_KEY_ID: session.accessKeyId,
        AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
        AWS_SESSION_TOKEN: session.sessionToken,
        AWS_CREDENTIAL_EXPIRATION: expiration.toISOString(),
      },
      async () => {
        const s3 = s3Client(emulator);
        await put(s3, 'early');
        expect(await findings()).toEqual([]);
        // Inside the SDK's window it asks the environment again, and gets the same session.
        moveClockTo(expiration.getTime() - 200_000);
        await put(s3, 'late');
        await put(s3, 'later');
      },
    );
    expect(await findings()).toEqual([
      [
        {
          'aws.credentials.finding.kind': 'unrefreshable_expiring',
          'aws.credentials.source': 'env',
          'rpc.service': 'S3',
        },
        1,
      ],
    ]);
    expect(telemetry.logs()[0]?.body).toMatch(
      /^S3 PutObject is signed with session credentials from the environment \(AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION\) that expire in (19\d|200) s; nothing can refresh them, so the job outlives its session\. Fix: Let the process fetch its credentials from a source that refreshes/,
    );
    expect(await telemetry.counter('aws.credentials.expiration')).toContainEqual(
      expect.objectContaining({
        attributes: {
          'aws.credentials.source': 'env',
          'rpc.service': 'S3',
          'aws.credentials.refreshable': false,
        },
        value: expiration.getTime() / 1000,
      }),
    );
  });
});

describe('static_stability_extension', () => {
  it('IMDS serves expired credentials: the SDK extends them past expiry, and credwatch says so once', async () => {
    emulator.faults.serveExpiredCredentials('imds', 1);
    await withEnv(emulator.env('imds'), async () => {
      const s3 = s3Client(emulator);
      await put(s3, 'extended').catch(() => undefined);
      await put(s3, 'extended again').catch(() => undefined);
    });
    expect(await findings()).toEqual([
      [{ 'aws.credentials.finding.kind': 'static_stability_extension', 'aws.credentials.source': 'imds' }, 1],
    ]);
    const [record, ...more] = telemetry.logs();
    expect(more).toEqual([]);
    expect(record?.body).toMatch(
      /^The instance metadata service failed or served expired credentials, so the SDK extended a session that expired at \S+Z to \S+Z and keeps signing with it: AWS may reject it, and the SDK only logs a warning\. Fix: Find why the instance metadata service fails/,
    );
    // The refresh span carries the event.
    const [refresh] = telemetry.spans('aws.credentials.refresh');
    expect(refresh?.events.map((event) => event.name)).toEqual(['aws.credentials.finding']);
  });
});

describe('stale_source_file', () => {
  const rejectNextPut = (code: string) =>
    emulator.faults.failNext('s3:PutObject', { type: 'error', status: 403, code, message: 'rejected' });

  it('keys rotated in the shared credentials file while the process signs with the old ones', async () => {
    const { accessKeyId, secretAccessKey } = emulator.longTermKey;
    const file = `[default]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}\n`;
    useConfigFiles('', file);
    await withEnv(emulator.env(), async () => {
      const s3 = s3Client(emulator);
      await put(s3, 'before');
      rejectNextPut('InvalidClientTokenId');
      await expect(put(s3, 'not rotated yet')).rejects.toThrow('rejected');
      expect(await findings()).toEqual([]);

      await new Promise((resolve) => setTimeout(resolve, 25)); // see the web identity case below
      writeFileSync(process.env.AWS_SHARED_CREDENTIALS_FILE as string, `${file}# rotated\n`);
      rejectNextPut('InvalidClientTokenId');
      await expect(put(s3, 'rotated')).rejects.toThrow('rejected');
      rejectNextPut('InvalidClientTokenId');
      await expect(put(s3, 'again')).rejects.toThrow('rejected');
    });
    expect(await findings()).toEqual([
      [
        {
          'aws.credentials.finding.kind': 'stale_source_file',
          'aws.credentials.source': 'profile',
          'rpc.service': 'S3',
        },
        1,
      ],
    ]);
    expect(telemetry.logs().map((record) => record.body)).toEqual([
      expect.stringMatching(
        /^S3 rejected PutObject \(InvalidClientTokenId\), signed with profile credentials read \d+ s ago; the shared credentials file changed on disk after that read, and the SDK keeps what it read until the credentials expire \(keys without an expiration: for the life of the process\)\. Fix: Let the SDK read the file again/,
      ),
    ]);
  });

  it('a new SSO login (the token cache rewritten in place), and a rejection of the session fetched before', async () => {
    await withEnv(emulator.env('sso'), async () => {
      const s3 = s3Client(emulator);
      await put(s3, 'before');
      rejectNextPut('ExpiredToken');
      await expect(put(s3, 'not logged in again yet')).rejects.toThrow('rejected');
      expect(await findings()).toEqual([]);

      await new Promise((resolve) => setTimeout(resolve, 25)); // see the web identity case below
      // `aws sso login` overwrites the cache file: the directory itself does not change.
      writeFileSync(emulator.ssoTokenCacheFile, readFileSync(emulator.ssoTokenCacheFile));
      rejectNextPut('ExpiredToken');
      await expect(put(s3, 'rejected')).rejects.toThrow('rejected');
    });
    expect((await findings()).map(([attributes]) => attributes)).toEqual([
      {
        'aws.credentials.finding.kind': 'stale_source_file',
        'aws.credentials.source': 'sso',
        'rpc.service': 'S3',
      },
    ]);
    expect(telemetry.logs()[0]?.body).toContain('the SSO token cache changed');
  });

  it('a new web identity token on disk, and a rejection of the session fetched with the old one', async () => {
    await withEnv(emulator.env('web_identity'), async () => {
      const s3 = s3Client(emulator);
      await put(s3, 'before');
      const tokenFile = process.env.AWS_WEB_IDENTITY_TOKEN_FILE as string;
      // A file's modification time comes from the kernel's coarse clock, up to a tick (4–10 ms) behind Date:
      // rotate the token a moment after the fetch, as a real rotation is.
      await new Promise((resolve) => setTimeout(resolve, 25));
      writeFileSync(tokenFile, readFileSync(tokenFile));
      rejectNextPut('ExpiredToken');
      await expect(put(s3, 'rejected')).rejects.toThrow('rejected');
    });
    expect((await findings()).map(([attributes]) => attributes)).toEqual([
      {
        'aws.credentials.finding.kind': 'stale_source_file',
        'aws.credentials.source': 'web_identity',
        'rpc.service': 'S3',
      },
    ]);
    expect(telemetry.logs()[0]?.body).toContain(
      'the web identity token file (AWS_WEB_IDENTITY_TOKEN_FILE) changed',
    );
  });
});
