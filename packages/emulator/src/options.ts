import { randomBytes } from 'node:crypto';
import type { LongTermKey } from './credentials.js';
import { type DurationInput, toMilliseconds } from './duration.js';
import { newAccessKeyId, newSecretAccessKey } from './ids.js';

export interface EmulatorOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port to listen on. Default `0`: an ephemeral port. */
  port?: number;
  /** The region S3 lives in; signatures scoped to another region are refused. Default `us-east-1`. */
  region?: string;
  /** Account of the emulated roles. Default `123456789012`. */
  accountId?: string;
  /**
   * Lifetime of every credential set the emulator issues when the caller does not ask for a
   * `DurationSeconds` (STS), and always for IMDS and the container endpoint. Seconds or `"30s"`. Default `"1h"`.
   */
  tokenLifetime?: DurationInput;
  /** Smallest `DurationSeconds` STS accepts. AWS: 900 s; lower it to test expiry quickly. Default `"15m"`. */
  minSessionDuration?: DurationInput;
  /** Largest `DurationSeconds` STS accepts. Default `"12h"`. */
  maxSessionDuration?: DurationInput;
  /** S3 answers `TokenRefreshRequired` for session credentials at least this old (still unexpired). Default: never. */
  refreshRequiredAfter?: DurationInput;
  /** Long-term `AKIA…` keys S3 and STS accept. Default: one generated key. */
  longTermKeys?: LongTermKey[];
  /** Name of the role served by IMDS and the container endpoint. Default `credwatch-role`. */
  roleName?: string;
  /** Whether IMDS answers requests without a session token (IMDSv1). Default `true`. */
  imdsV1?: boolean;
  /** When set, the container endpoint requires this exact `Authorization` header. */
  containerAuthToken?: string;
  /** The only web identity token STS accepts; written to {@link Emulator.webIdentityTokenFile}. Default: generated. */
  webIdentityToken?: string;
  /** The only SSO access token the SSO portal accepts; cached in {@link Emulator.ssoTokenCacheFile}. Default: generated. */
  ssoAccessToken?: string;
  /** Mirror buckets and objects to this directory (and load them from it at start). Default: memory only. */
  dataDir?: string;
  /** Largest request body accepted, in bytes. Default 64 MiB. */
  maxBodySize?: number;
  /** Smallest size of every multipart part but the last, in bytes. AWS: 5 MiB (the default). */
  minPartSize?: number;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  region: string;
  accountId: string;
  tokenLifetimeMs: number;
  minSessionSeconds: number;
  maxSessionSeconds: number;
  refreshRequiredAfterMs: number | undefined;
  longTermKeys: LongTermKey[];
  roleName: string;
  imdsV1: boolean;
  containerAuthToken: string | undefined;
  webIdentityToken: string;
  ssoAccessToken: string;
  dataDir: string | undefined;
  maxBodySize: number;
  minPartSize: number;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`${name}: expected a non-negative integer, got ${value}`);
  return value;
}

/** Validates options up front; every error names the option at fault. */
export function resolveOptions(options: EmulatorOptions = {}): ResolvedOptions {
  const tokenLifetimeMs = toMilliseconds(options.tokenLifetime ?? '1h', 'tokenLifetime');
  if (tokenLifetimeMs < 1000) throw new RangeError('tokenLifetime: must be at least 1s');
  const minSessionSeconds = toMilliseconds(options.minSessionDuration ?? '15m', 'minSessionDuration') / 1000;
  const maxSessionSeconds = toMilliseconds(options.maxSessionDuration ?? '12h', 'maxSessionDuration') / 1000;
  if (minSessionSeconds > maxSessionSeconds) {
    throw new RangeError('minSessionDuration: must not be larger than maxSessionDuration');
  }
  const region = options.region ?? 'us-east-1';
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
    throw new RangeError(`region: ${JSON.stringify(region)} is not an AWS region name`);
  const accountId = options.accountId ?? '123456789012';
  if (!/^\d{12}$/.test(accountId)) throw new RangeError('accountId: must be 12 digits');
  const roleName = options.roleName ?? 'credwatch-role';
  if (!/^[\w+=,.@-]{1,64}$/.test(roleName))
    throw new RangeError(`roleName: ${JSON.stringify(roleName)} is not a valid IAM role name`);
  const port = positiveInteger(options.port ?? 0, 'port');
  if (port > 65_535) throw new RangeError('port: must be at most 65535');
  return {
    host: options.host ?? '127.0.0.1',
    port,
    region,
    accountId,
    tokenLifetimeMs,
    minSessionSeconds,
    maxSessionSeconds,
    refreshRequiredAfterMs:
      options.refreshRequiredAfter === undefined
        ? undefined
        : toMilliseconds(options.refreshRequiredAfter, 'refreshRequiredAfter'),
    longTermKeys: options.longTermKeys ?? [
      { accessKeyId: newAccessKeyId('long-term'), secretAccessKey: newSecretAccessKey() },
    ],
    roleName,
    imdsV1: options.imdsV1 ?? true,
    containerAuthToken: options.containerAuthToken,
    webIdentityToken:
      options.webIdentityToken ??
      `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ sub: 'credwatch' })).toString('base64url')}.emulator`,
    ssoAccessToken: options.ssoAccessToken ?? `aoa${randomBytes(24).toString('base64url')}`,
    dataDir: options.dataDir,
    maxBodySize: positiveInteger(options.maxBodySize ?? 64 * 1024 * 1024, 'maxBodySize'),
    minPartSize: positiveInteger(options.minPartSize ?? 5 * 1024 * 1024, 'minPartSize'),
  };
}
