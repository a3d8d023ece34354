import type { S3Client } from '@aws-sdk/client-s3';
import type { IssuedCredentials } from '@credwatch/emulator';
import { withEnv } from '@credwatch/test-support';
import { describe, expect, it } from 'vitest';
import type { CredentialSource, RefreshTrigger } from '../src/index.js';
import { harness } from './harness.js';
import {
  bucket,
  count,
  emulator,
  eventually,
  lastIssued,
  moveClockTo,
  putObject,
  s3Client,
  sdk,
  total,
  useConfigFiles,
  useEmulator,
} from './helpers.js';

// One test per credential route: the exact source, time-to-expiry against the expiration the emulator
// issued, and the exact refresh attempts once the clock enters the refresh window and passes expiry.
const telemetry = harness();
useEmulator('routes');

const MINUTE = 60_000;

async function refreshes(source: CredentialSource) {
  const points = await telemetry.histogram('aws.credentials.refresh.duration');
  const byTrigger = (trigger: RefreshTrigger) =>
    count(points, { 'aws.credentials.source': source, 'aws.credentials.refresh.trigger': trigger });
  return {
    all: count(points),
    initial: byTrigger('initial'),
    expiring: byTrigger('expiring'),
    background: byTrigger('background'),
    expired: byTrigger('expired'),
    failed: points.filter((point) => point.attributes['error.type'] !== undefined).length,
  };
}

async function s3Signings(wanted: Record<string, string | boolean>) {
  return total(await telemetry.counter('aws.credentials.signings'), { 'rpc.service': 'S3', ...wanted });
}

/** Time-to-expiry recorded at the one S3 signing so far, against the emulator's expiration. */
async function expectTimeToExpiry(
  source: CredentialSource,
  issued: { expiration: Date },
  signedAtMs: number,
) {
  const points = (await telemetry.histogram('aws.credentials.time_to_expiry')).filter(
    (point) => point.attributes['rpc.service'] === 'S3',
  );
  expect(points.map((point) => point.attributes)).toEqual([
    { 'aws.credentials.source': source, 'rpc.service': 'S3' },
  ]);
  expect(points[0]?.count).toBe(1);
  const expected = (issued.expiration.getTime() - signedAtMs) / 1000;
  expect(Math.abs((points[0]?.min ?? Number.NaN) - expected)).toBeLessThan(1);
}

/**
 * The refreshing routes: sign once, sign again 4 minutes before expiry (inside the SDK's 5-minute window),
 * then sign after the newest credentials expired.
 */
async function crossRefreshWindow(
  s3: S3Client,
  issuer: IssuedCredentials['issuer'],
  source: CredentialSource,
  windowTrigger: 'expiring' | 'background',
) {
  const before = Date.now();
  await putObject(s3, bucket);
  const first = lastIssued(emulator, issuer);
  await expectTimeToExpiry(source, first, before);
  expect(await refreshes(source)).toEqual({
    all: 1,
    initial: 1,
    expiring: 0,
    background: 0,
    expired: 0,
    failed: 0,
  });
  expect(
    await s3Signings({ 'aws.credentials.source': source, 'aws.credentials.expiry_state': 'valid' }),
  ).toBe(1);

  moveClockTo(first.expiration.getTime() - 4 * MINUTE);
  await putObject(s3, bucket);
  await eventually(async () => (await refreshes(source)).all === 2);
  const second = lastIssued(emulator, issuer);
  expect(second.accessKeyId).not.toBe(first.accessKeyId);
  // A background refresh leaves this request on the old credentials; a blocking one signs with the new.
  const windowState = windowTrigger === 'background' ? 'refresh_window' : 'valid';
  expect(await s3Signings({ 'aws.credentials.expiry_state': windowState })).toBe(
    windowState === 'valid' ? 2 : 1,
  );

  moveClockTo(second.expiration.getTime() + MINUTE);
  await putObject(s3, bucket);
  expect(await refreshes(source)).toEqual({
    all: 3,
    initial: 1,
    expiring: windowTrigger === 'expiring' ? 1 : 0,
    background: windowTrigger === 'background' ? 1 : 0,
    expired: 1,
    failed: 0,
  });
  expect(await s3Signings({ 'aws.credentials.source': source, 'aws.credentials.temporary': true })).toBe(3);
  expect(await s3Signings({ 'aws.credentials.expiry_state': 'expired' })).toBe(0);
}

/** Routes whose credentials never expire: one fetch, and moving the clock changes nothing. */
async function signWithoutExpiry(s3: S3Client, source: CredentialSource, expectedRefreshes: number) {
  await putObject(s3, bucket);
  moveClockTo(Date.now() + 13 * 60 * MINUTE);
  await putObject(s3, bucket);
  const refreshed = await refreshes(source);
  expect(refreshed.all).toBe(expectedRefreshes);
  expect(refreshed.initial).toBe(expectedRefreshes);
  expect(
    await s3Signings({ 'aws.credentials.source': source, 'aws.credentials.expiry_state': 'no_expiry' }),
  ).toBe(2);
  expect(await s3Signings({})).toBe(2);
  expect((await telemetry.histogram('aws.credentials.time_to_expiry')).length).toBe(0);
}

describe('credential routes', () => {
  it('static: keys given in code are never fetched', async () => {
    await signWithoutExpiry(s3Client(emulator, { credentials: emulator.longTermKey }), 'static', 0);
  });

  it('env: the default chain reads AWS_ACCESS_KEY_ID once', async () => {
    await withEnv(emulator.env('env'), () => signWithoutExpiry(s3Client(emulator), 'env', 1));
  });

  it('profile: static keys in the shared credentials file', async () => {
    const { accessKeyId, secretAccessKey } = emulator.longTermKey;
    useConfigFiles(
      '',
      `[default]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}\n`,
    );
    await withEnv(emulator.env(), () => signWithoutExpiry(s3Client(emulator), 'profile', 1));
  });

  it('process: credential_process in the profile', async () => {
    const { accessKeyId, secretAccessKey } = emulator.longTermKey;
    const output = JSON.stringify({ Version: 1, AccessKeyId: accessKeyId, SecretAccessKey: secretAccessKey });
    useConfigFiles(
      `[default]\ncredential_process = ${process.execPath} -e 'console.log(process.argv[1])' '${output}'\n`,
    );
    await withEnv(emulator.env(), () => signWithoutExpiry(s3Client(emulator), 'process', 1));
  });

  it('assume_role: fromTemporaryCredentials refreshes blocking inside the window', async () => {
    await withEnv(emulator.env('env'), async () => {
      const credentials = sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } });
      await crossRefreshWindow(
        s3Client(emulator, { credentials }),
        'sts:AssumeRole',
        'assume_role',
        'expiring',
      );
    });
  });

  it('assume_role: an ini profile with role_arn and source_profile, through the default chain', async () => {
    const { accessKeyId, secretAccessKey } = emulator.longTermKey;
    useConfigFiles(
      `[default]\nrole_arn = ${emulator.roleArn}\nsource_profile = base\n`,
      `[base]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}\n`,
    );
    await withEnv(emulator.env(), () =>
      crossRefreshWindow(s3Client(emulator), 'sts:AssumeRole', 'assume_role', 'background'),
    );
  });

  it('web_identity: AWS_WEB_IDENTITY_TOKEN_FILE through the default chain', async () => {
    await withEnv(emulator.env('web_identity'), () =>
      crossRefreshWindow(s3Client(emulator), 'sts:AssumeRoleWithWebIdentity', 'web_identity', 'background'),
    );
  });

  it('container: AWS_CONTAINER_CREDENTIALS_FULL_URI through the default chain', async () => {
    await withEnv(emulator.env('container'), () =>
      crossRefreshWindow(s3Client(emulator), 'container', 'container', 'background'),
    );
  });

  it('sso: an SSO profile (the cached access token) through the default chain', async () => {
    await withEnv(emulator.env('sso'), () =>
      crossRefreshWindow(s3Client(emulator), 'sso', 'sso', 'background'),
    );
  });

  it('imds: instance metadata through the default chain (the SDK leaves it untagged)', async () => {
    await withEnv(emulator.env('imds'), () =>
      crossRefreshWindow(s3Client(emulator), 'imds', 'imds', 'background'),
    );
  });

  it('imds: fromInstanceMetadata given in code refreshes blocking', async () => {
    await withEnv(emulator.env('imds'), async () => {
      const credentials = sdk.providers.fromInstanceMetadata();
      await crossRefreshWindow(s3Client(emulator, { credentials }), 'imds', 'imds', 'expiring');
    });
  });

  it('custom: a user function the SDK does not tag', async () => {
    const { accessKeyId, secretAccessKey } = emulator.longTermKey;
    let calls = 0;
    let expiration = new Date(0);
    const credentials = async () => {
      calls++;
      expiration = new Date(Date.now() + 60 * MINUTE);
      return { accessKeyId, secretAccessKey, expiration };
    };
    await withEnv(emulator.env(), async () => {
      const s3 = s3Client(emulator, { credentials });
      const before = Date.now();
      await putObject(s3, bucket);
      await expectTimeToExpiry('custom', { expiration }, before);
      moveClockTo(expiration.getTime() - 4 * MINUTE);
      await putObject(s3, bucket);
      moveClockTo(expiration.getTime() + MINUTE);
      await putObject(s3, bucket);
    });
    expect(calls).toBe(3);
    expect(await refreshes('custom')).toEqual({
      all: 3,
      initial: 1,
      expiring: 1,
      background: 0,
      expired: 1,
      failed: 0,
    });
    expect(await s3Signings({ 'aws.credentials.source': 'custom', 'aws.credentials.temporary': false })).toBe(
      3,
    );
  });

  it.each([
    ['fromTemporaryCredentials', 'assume_role'],
    ['the default chain (container)', 'container'],
  ] as const)(
    'a refresh span names the principal and account the credentials belong to: %s',
    async (_route, source) => {
      await withEnv(emulator.env(source === 'container' ? 'container' : 'env'), async () => {
        const credentials =
          source === 'assume_role'
            ? sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } })
            : undefined;
        await putObject(s3Client(emulator, credentials ? { credentials } : {}), bucket);
      });
      const [, account, role] = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(emulator.roleArn) ?? [];
      const [span] = telemetry.spans('aws.credentials.refresh');
      if (source === 'assume_role') {
        expect(span?.attributes['aws.credentials.account_id']).toBe(account);
        expect(span?.attributes['aws.credentials.principal']).toMatch(
          new RegExp(`^arn:aws:sts::${account}:assumed-role/${role}/[\\w+=,.@-]+$`),
        );
      } else {
        // The endpoint answers with an AccountId, but the SDK's container provider (3.1169) drops it from
        // the credentials: nothing is guessed.
        expect(span?.attributes).not.toHaveProperty('aws.credentials.account_id');
        expect(span?.attributes).not.toHaveProperty('aws.credentials.principal');
      }
    },
  );

  it('a sub-millisecond refresh gets a span that ends after it starts', async () => {
    const { accessKeyId, secretAccessKey } = emulator.longTermKey;
    const expiration = new Date(Date.now() + 60 * MINUTE);
    await withEnv(emulator.env(), async () => {
      for (let client = 0; client < 20; client++) {
        const credentials = async () => ({ accessKeyId, secretAccessKey, expiration });
        await putObject(s3Client(emulator, { credentials }), bucket);
      }
    });
    const spans = telemetry.spans('aws.credentials.refresh');
    expect(spans).toHaveLength(20);
    for (const span of spans) {
      const [seconds, nanos] = span.duration;
      expect(seconds * 1e9 + nanos).toBeGreaterThan(0);
    }
    expect(
      telemetry.diagMessages.filter((message) => message.includes('Inconsistent start and end time')),
    ).toEqual([]);
  });

  it.each([
    ['fromTemporaryCredentials', 'assume_role'],
    ['the default chain (container)', 'container'],
  ] as const)('forced: credentials({ forceRefresh: true }) on %s', async (_route, source) => {
    await withEnv(emulator.env(source === 'container' ? 'container' : 'env'), async () => {
      const credentials =
        source === 'assume_role'
          ? sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } })
          : undefined;
      const s3 = s3Client(emulator, credentials ? { credentials } : {});
      await putObject(s3, bucket);
      const provider = s3.config.credentials as (options: { forceRefresh: boolean }) => Promise<unknown>;
      await provider({ forceRefresh: true });
    });
    expect(await refreshes(source)).toMatchObject({
      all: 2,
      initial: 1,
      expiring: 0,
      background: 0,
      expired: 0,
    });
    const points = await telemetry.histogram('aws.credentials.refresh.duration');
    expect(
      count(points, { 'aws.credentials.refresh.trigger': 'forced', 'aws.credentials.source': source }),
    ).toBe(1);
  });
});
