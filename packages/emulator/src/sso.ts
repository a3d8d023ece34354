import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CredentialStore } from './credentials.js';
import { AwsError } from './http/errors.js';
import { jsonReply, type Reply } from './http/reply.js';
import { splitUrl, type WireRequest } from './sigv4/canonical.js';

/** IAM Identity Center's `GetRoleCredentials` (the SSO portal), at the path the SDK's SSO client calls. */
export const SSO_PATH = '/federation/credentials';

/** The start URL of the emulator's Identity Center instance; the SDK names its token cache file after it. */
export const SSO_START_URL = 'https://credwatch-emulator.awsapps.com/start';

export interface SsoSettings {
  accountId: string;
  roleName: string;
  /** The one access token the portal accepts (the one `aws sso login` would have cached). */
  accessToken: string;
  lifetimeMs: number;
}

/**
 * The portal side of an SSO profile: the SDK sends the cached access token in `x-amz-sso_bearer_token` and
 * gets a new role session at every call, as IAM Identity Center hands out.
 */
export class SsoService {
  constructor(
    private readonly store: CredentialStore,
    private readonly settings: SsoSettings,
  ) {}

  handle(request: WireRequest): Reply {
    if (request.method !== 'GET') throw new AwsError('MethodNotAllowed', 405, 'Only GET is supported.');
    if (request.headers['x-amz-sso_bearer_token']?.[0] !== this.settings.accessToken) {
      throw new AwsError('UnauthorizedException', 401, 'Session token not found or invalid');
    }
    const query = new URLSearchParams(splitUrl(request.url).query);
    const { accountId, roleName } = this.settings;
    if (query.get('account_id') !== accountId || query.get('role_name') !== roleName) {
      throw new AwsError('ForbiddenException', 403, 'No access');
    }
    const arn = `arn:aws:sts::${accountId}:assumed-role/AWSReservedSSO_${roleName}_0123456789abcdef/credwatch`;
    const session = this.store.issueSession('sso', this.settings.lifetimeMs, arn);
    return jsonReply({
      roleCredentials: {
        accessKeyId: session.accessKeyId,
        secretAccessKey: session.secretAccessKey,
        sessionToken: session.sessionToken,
        expiration: (session.expiration as Date).getTime(),
      },
    });
  }
}

/** The profile of the `sso` route. */
export const SSO_PROFILE = 'credwatch-sso';

/**
 * A home directory as `aws configure sso` and `aws sso login` leave it: a profile naming the account and role,
 * and the portal's access token in the SDK's token cache (valid for a week from the emulator's start).
 */
export function writeSsoProfile(
  home: string,
  settings: { region: string; accountId: string; roleName: string; ssoAccessToken: string },
) {
  const configFile = join(home, '.aws', 'config');
  const cacheDir = join(home, '.aws', 'sso', 'cache');
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(
    configFile,
    [
      `[profile ${SSO_PROFILE}]`,
      `sso_start_url = ${SSO_START_URL}`,
      `sso_region = ${settings.region}`,
      `sso_account_id = ${settings.accountId}`,
      `sso_role_name = ${settings.roleName}`,
      `region = ${settings.region}`,
      '',
    ].join('\n'),
  );
  const tokenCacheFile = join(cacheDir, `${createHash('sha1').update(SSO_START_URL).digest('hex')}.json`);
  writeFileSync(
    tokenCacheFile,
    JSON.stringify({
      startUrl: SSO_START_URL,
      region: settings.region,
      accessToken: settings.ssoAccessToken,
      expiresAt: new Date(Date.now() + 7 * 24 * 3_600_000).toISOString(),
    }),
    { mode: 0o600 },
  );
  return { home, configFile, tokenCacheFile };
}
