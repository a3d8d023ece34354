import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromIni, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, type IssuedCredentials, startEmulator } from '../src/index.js';
import {
  isolateAwsEnvironment,
  ROUND_TRIP_SIGNINGS,
  roundTrip,
  s3Client,
  uniqueBucket,
  withEnv,
  writeFile,
} from './helpers.js';

// Every credential route the SDK offers, over real HTTP, with a full S3 round trip and a multipart upload.
let emulator: Emulator;

beforeAll(async () => {
  isolateAwsEnvironment();
  emulator = await startEmulator({ tokenLifetime: '1h' });
});
afterAll(() => emulator.stop());
beforeEach(() => {
  emulator.stats.reset();
  emulator.faults.clear();
});

function lastIssued(issuer: IssuedCredentials['issuer']): IssuedCredentials {
  const issued = emulator.issuedCredentials().filter((c) => c.issuer === issuer);
  expect(issued.length).toBeGreaterThan(0);
  return issued.at(-1) as IssuedCredentials;
}

function expectOnlySignedBy(accessKeyId: string): void {
  const snapshot = emulator.stats.snapshot();
  expect(
    Object.keys(snapshot.signedBy).filter((k) =>
      Object.keys(snapshot.signedBy[k] ?? {}).some((a) => a.startsWith('s3:')),
    ),
  ).toEqual([accessKeyId]);
  const s3Signings = Object.fromEntries(
    Object.entries(emulator.stats.signedBy(accessKeyId)).filter(([a]) => a.startsWith('s3:')),
  );
  expect(s3Signings).toEqual(ROUND_TRIP_SIGNINGS);
}

describe('credential routes', () => {
  it('static long-term keys given in code', async () => {
    const s3 = s3Client(emulator, { credentials: emulator.longTermKey });
    await roundTrip(s3, uniqueBucket('static'));
    expectOnlySignedBy(emulator.longTermKey.accessKeyId);
    expect(emulator.stats.calls('sts')).toBe(0);
    expect(emulator.stats.errors()).toBe(0);
  });

  it('environment variables through the default chain', async () => {
    await withEnv(emulator.env('env'), async () => {
      const s3 = s3Client(emulator);
      await roundTrip(s3, uniqueBucket('env'));
    });
    expectOnlySignedBy(emulator.longTermKey.accessKeyId);
  });

  it('fromTemporaryCredentials: one AssumeRole, and the session key signs every request', async () => {
    const credentials = fromTemporaryCredentials({
      params: { RoleArn: emulator.roleArn, RoleSessionName: 'uploader' },
      masterCredentials: emulator.longTermKey,
      clientConfig: { endpoint: emulator.urls.sts, region: emulator.region },
    });
    await roundTrip(s3Client(emulator, { credentials }), uniqueBucket('temporary'));
    expect(emulator.stats.calls('sts:AssumeRole')).toBe(1);
    const session = lastIssued('sts:AssumeRole');
    expect(session.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(session.arn).toBe('arn:aws:sts::123456789012:assumed-role/credwatch-role/uploader');
    expect(emulator.stats.signedBy(emulator.longTermKey.accessKeyId)).toEqual({ 'sts:AssumeRole': 1 });
    expectOnlySignedBy(session.accessKeyId);
  });

  it('DurationSeconds sets the expiration of assumed-role credentials', async () => {
    const credentials = fromTemporaryCredentials({
      params: { RoleArn: emulator.roleArn, DurationSeconds: 900 },
      masterCredentials: emulator.longTermKey,
      clientConfig: { endpoint: emulator.urls.sts, region: emulator.region },
    });
    const resolved = await credentials();
    const session = lastIssued('sts:AssumeRole');
    expect(resolved.accessKeyId).toBe(session.accessKeyId);
    expect(resolved.expiration?.getTime()).toBe(session.expiration?.getTime());
    const lifetime = (session.expiration as Date).getTime() - session.issuedAt.getTime();
    expect(lifetime).toBeGreaterThan(899_000);
    expect(lifetime).toBeLessThanOrEqual(900_000);
  });

  it('an ini profile with role_arn and source_profile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'credwatch-ini-'));
    const config = writeFile(
      dir,
      'config',
      `[profile worker]\nrole_arn = ${emulator.roleArn}\nsource_profile = base\nrole_session_name = ini-worker\n`,
    );
    const credentialsFile = writeFile(
      dir,
      'credentials',
      `[base]\naws_access_key_id = ${emulator.longTermKey.accessKeyId}\naws_secret_access_key = ${emulator.longTermKey.secretAccessKey}\n`,
    );
    await withEnv(
      { ...emulator.env(), AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentialsFile },
      async () => {
        await roundTrip(
          s3Client(emulator, { credentials: fromIni({ profile: 'worker' }) }),
          uniqueBucket('ini'),
        );
      },
    );
    expect(emulator.stats.calls('sts:AssumeRole')).toBe(1);
    const session = lastIssued('sts:AssumeRole');
    expect(session.arn).toBe('arn:aws:sts::123456789012:assumed-role/credwatch-role/ini-worker');
    expectOnlySignedBy(session.accessKeyId);
  });

  it('a web identity token file through the default chain', async () => {
    await withEnv(emulator.env('web_identity'), async () => {
      await roundTrip(s3Client(emulator), uniqueBucket('webid'));
    });
    expect(emulator.stats.calls('sts:AssumeRoleWithWebIdentity')).toBe(1);
    expect(emulator.stats.calls('sts')).toBe(1);
    expectOnlySignedBy(lastIssued('sts:AssumeRoleWithWebIdentity').accessKeyId);
  });

  it('a web identity token STS did not issue is refused with InvalidIdentityToken', async () => {
    // STS answers the code InvalidIdentityToken; the SDK's model names the exception InvalidIdentityTokenException.
    const dir = mkdtempSync(join(tmpdir(), 'credwatch-webid-'));
    const tokenFile = writeFile(dir, 'token', 'not-the-token');
    await withEnv({ ...emulator.env('web_identity'), AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile }, async () => {
      const s3 = s3Client(emulator);
      await expect(roundTrip(s3, uniqueBucket('webid-bad'))).rejects.toMatchObject({
        name: 'InvalidIdentityTokenException',
        $metadata: { httpStatusCode: 400 },
      });
    });
    expect(emulator.stats.errors('InvalidIdentityToken')).toBe(1);
  });

  it('the container credentials endpoint through the default chain', async () => {
    await withEnv(emulator.env('container'), async () => {
      await roundTrip(s3Client(emulator), uniqueBucket('container'));
    });
    expect(emulator.stats.calls('container')).toBe(1);
    expect(emulator.stats.calls('imds')).toBe(0);
    expectOnlySignedBy(lastIssued('container').accessKeyId);
  });

  it('an SSO profile through the default chain: the cached access token buys a role session', async () => {
    await withEnv(emulator.env('sso'), async () => {
      await roundTrip(s3Client(emulator), uniqueBucket('sso'));
    });
    expect(emulator.stats.calls('sso:GetRoleCredentials')).toBe(1);
    expect(emulator.stats.calls('sts')).toBe(0);
    const issued = lastIssued('sso');
    expect(issued.arn).toBe(
      `arn:aws:sts::${emulator.accountId}:assumed-role/AWSReservedSSO_credwatch-role_0123456789abcdef/credwatch`,
    );
    expectOnlySignedBy(issued.accessKeyId);
  });

  it('an SSO access token the portal did not issue is refused with UnauthorizedException', async () => {
    const response = await fetch(
      `${emulator.urls.sso}/federation/credentials?role_name=credwatch-role&account_id=${emulator.accountId}`,
      {
        headers: { 'x-amz-sso_bearer_token': 'not-the-token' },
      },
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      code: 'UnauthorizedException',
      message: 'Session token not found or invalid',
    });
    expect(emulator.stats.errors('UnauthorizedException')).toBe(1);
  });

  it('IMDSv2 through the default chain', async () => {
    await withEnv(emulator.env('imds'), async () => {
      await roundTrip(s3Client(emulator), uniqueBucket('imds'));
    });
    expect(emulator.stats.snapshot().calls).toEqual({
      'imds:token': 1,
      'imds:role': 1,
      'imds:credentials': 1,
      ...Object.fromEntries(Object.entries(ROUND_TRIP_SIGNINGS)),
    });
    expectOnlySignedBy(lastIssued('imds').accessKeyId);
  });
});

describe('endpoints that require more', () => {
  it('IMDS with v1 disabled still serves a v2 client, and refuses tokenless requests', async () => {
    const strict = await startEmulator({ imdsV1: false });
    try {
      await withEnv(strict.env('imds'), async () => {
        await roundTrip(s3Client(strict), uniqueBucket('imds-v2'));
      });
      const res = await fetch(`${strict.urls.imds}/latest/meta-data/iam/security-credentials/`);
      expect(res.status).toBe(401);
    } finally {
      await strict.stop();
    }
  });

  it('the container endpoint checks the Authorization token', async () => {
    const guarded = await startEmulator({ containerAuthToken: 'Bearer pod-identity' });
    try {
      expect(guarded.env('container').AWS_CONTAINER_AUTHORIZATION_TOKEN).toBe('Bearer pod-identity');
      await withEnv(guarded.env('container'), async () => {
        await roundTrip(s3Client(guarded), uniqueBucket('container-auth'));
      });
      const res = await fetch(guarded.urls.container, { headers: { authorization: 'Bearer wrong' } });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({
        code: 'AccessDenied',
        message: 'Authorization token is missing or does not match.',
      });
    } finally {
      await guarded.stop();
    }
  });
});
