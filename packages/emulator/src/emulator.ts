import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Authenticator } from './auth.js';
import { Clock, type EmulatorClock } from './clock.js';
import { CONTAINER_PATH, ContainerService } from './container.js';
import { CONTROL_PREFIX, ControlService } from './control.js';
import { CredentialStore, type IssuedCredentials, type LongTermKey } from './credentials.js';
import { Dispatcher } from './dispatch.js';
import { type EmulatorFaults, FaultRegistry } from './faults.js';
import { type AwsError, s3Error } from './http/errors.js';
import { ImdsService } from './imds.js';
import { type EmulatorOptions, resolveOptions } from './options.js';
import { RotatingCredentials } from './rotating-credentials.js';
import { ObjectStore } from './s3/store.js';
import { SSO_PROFILE, SsoService, writeSsoProfile } from './sso.js';
import { type EmulatorStats, StatsRecorder } from './stats.js';
import { StsService } from './sts.js';
import { toXml } from './xml.js';

/** The ways an SDK app can be pointed at the emulator for its credentials. */
export type CredentialRoute = 'env' | 'container' | 'imds' | 'web_identity' | 'sso';

export interface EmulatorUrls {
  /** S3, path-style (`AWS_ENDPOINT_URL_S3`). */
  s3: string;
  /** STS, query protocol (`AWS_ENDPOINT_URL_STS`). */
  sts: string;
  /** IMDS base (`AWS_EC2_METADATA_SERVICE_ENDPOINT`). */
  imds: string;
  /** Container credentials (`AWS_CONTAINER_CREDENTIALS_FULL_URI`). */
  container: string;
  /** The SSO portal (`AWS_ENDPOINT_URL_SSO`): `GetRoleCredentials` for an SSO profile. */
  sso: string;
  /** The emulator's JSON control API (stats, faults, clock) for other processes. */
  control: string;
}

export interface Emulator {
  /** `http://127.0.0.1:<port>`: one endpoint serves S3, STS, IMDS and the container endpoint. */
  readonly endpoint: string;
  readonly urls: EmulatorUrls;
  readonly region: string;
  readonly accountId: string;
  /** A role to assume: `arn:aws:iam::<account>:role/<roleName>`. */
  readonly roleArn: string;
  /** The first long-term key S3 and STS accept. */
  readonly longTermKey: LongTermKey;
  /** A file holding the web identity token STS accepts. */
  readonly webIdentityTokenFile: string;
  /**
   * The SSO token cache file of the `sso` route (`~/.aws/sso/cache/<sha1 of the start URL>.json` under its
   * `HOME`), holding the access token the SSO portal accepts, as `aws sso login` leaves it.
   */
  readonly ssoTokenCacheFile: string;
  /** The bearer tokens the emulator accepts (web identity, SSO access token): secrets, for canaries. */
  readonly tokens: { readonly webIdentity: string; readonly ssoAccess: string };
  /** The SDK's own environment variables that point an app at the emulator, with a credential route's. */
  env(route?: CredentialRoute): Record<string, string>;
  /**
   * Creates an empty bucket directly, without a signed request: for setting up a test or an example. Throws S3's
   * `InvalidBucketName` or `BucketAlreadyOwnedByYou` as `CreateBucket` would answer them.
   */
  createBucket(name: string): void;
  /** Every credential set the emulator knows, in issue order, secrets included (for assertions and canaries). */
  issuedCredentials(): IssuedCredentials[];
  readonly faults: EmulatorFaults;
  readonly stats: EmulatorStats;
  readonly clock: EmulatorClock;
  /** Stops listening, closes open connections and removes the token file. */
  stop(): Promise<void>;
}

/** What an HTTP parser error gets: S3's XML, then the connection closes. */
function rawErrorResponse({ code, message, status }: AwsError): string {
  const body = toXml('Error', { Code: code, Message: message });
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** The S3 error for an HTTP parser failure: the request never reached a service. */
function httpParserError(code: string | undefined): AwsError {
  if (code === 'HPE_HEADER_OVERFLOW') return s3Error('RequestHeaderSectionTooLarge');
  if (code === 'HPE_INVALID_EOF_STATE') return s3Error('IncompleteBody');
  return s3Error('InvalidRequest', 'The request is not valid HTTP/1.1.');
}

/** Starts the emulator on loopback; resolves once it is listening. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const settings = resolveOptions(options);
  const clock = new Clock();
  const stats = new StatsRecorder();
  const store = new CredentialStore(clock);
  const objects = new ObjectStore(settings.dataDir, settings.minPartSize);
  for (const key of settings.longTermKeys)
    store.addLongTerm(key, `arn:aws:iam::${settings.accountId}:user/credwatch`);
  const faults = new FaultRegistry(store);
  const serverTime = () => Date.now() + faults.skewMs;
  const auth = new Authenticator(store, clock, stats, serverTime, {
    region: settings.region,
    refreshRequiredAfterMs: settings.refreshRequiredAfterMs,
  });
  const roleArn = `arn:aws:iam::${settings.accountId}:role/${settings.roleName}`;
  const instanceArn = `arn:aws:sts::${settings.accountId}:assumed-role/${settings.roleName}/credwatch-instance`;
  const dispatcher = new Dispatcher({
    auth,
    sts: new StsService(store, auth, {
      accountId: settings.accountId,
      defaultLifetimeMs: settings.tokenLifetimeMs,
      minDurationSeconds: settings.minSessionSeconds,
      maxDurationSeconds: settings.maxSessionSeconds,
      webIdentityToken: settings.webIdentityToken,
    }),
    imds: new ImdsService(
      new RotatingCredentials('imds', store, clock, settings.tokenLifetimeMs, instanceArn),
      clock,
      { roleName: settings.roleName, allowV1: settings.imdsV1 },
      () => faults.takeExpiredCredentials('imds'),
    ),
    container: new ContainerService(
      new RotatingCredentials('container', store, clock, settings.tokenLifetimeMs, instanceArn),
      settings.containerAuthToken,
      settings.accountId,
      roleArn,
      () => faults.takeExpiredCredentials('container'),
    ),
    sso: new SsoService(store, {
      accountId: settings.accountId,
      roleName: settings.roleName,
      accessToken: settings.ssoAccessToken,
      lifetimeMs: settings.tokenLifetimeMs,
    }),
    control: new ControlService(faults, stats, clock, store),
    store: objects,
    faults,
    stats,
    region: settings.region,
    maxBodySize: settings.maxBodySize,
    serverTime,
  });

  const server = createServer({ maxHeaderSize: 16 * 1024 }, dispatcher.handle);
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    socket.end(rawErrorResponse(httpParserError(error.code)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const { port } = server.address() as AddressInfo;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const endpoint = `http://${host}:${port}`;
  const tokenDir = mkdtempSync(join(tmpdir(), 'credwatch-emulator-'));
  const webIdentityTokenFile = join(tokenDir, 'web-identity-token');
  writeFileSync(webIdentityTokenFile, settings.webIdentityToken, { mode: 0o600 });
  const sso = writeSsoProfile(join(tokenDir, 'sso-home'), settings);
  const urls: EmulatorUrls = {
    s3: endpoint,
    sts: endpoint,
    imds: endpoint,
    container: `${endpoint}${CONTAINER_PATH}`,
    sso: endpoint,
    control: `${endpoint}${CONTROL_PREFIX}`,
  };
  const longTermKey = settings.longTermKeys[0] as LongTermKey;

  return {
    endpoint,
    urls,
    region: settings.region,
    accountId: settings.accountId,
    roleArn,
    longTermKey,
    webIdentityTokenFile,
    ssoTokenCacheFile: sso.tokenCacheFile,
    tokens: { webIdentity: settings.webIdentityToken, ssoAccess: settings.ssoAccessToken },
    env(route) {
      const env: Record<string, string> = {
        AWS_REGION: settings.region,
        AWS_ENDPOINT_URL_S3: urls.s3,
        AWS_ENDPOINT_URL_STS: urls.sts,
      };
      switch (route) {
        case 'env':
          return {
            ...env,
            AWS_ACCESS_KEY_ID: longTermKey.accessKeyId,
            AWS_SECRET_ACCESS_KEY: longTermKey.secretAccessKey,
          };
        case 'container':
          return {
            ...env,
            AWS_CONTAINER_CREDENTIALS_FULL_URI: urls.container,
            ...(settings.containerAuthToken
              ? { AWS_CONTAINER_AUTHORIZATION_TOKEN: settings.containerAuthToken }
              : {}),
          };
        case 'imds':
          return {
            ...env,
            AWS_EC2_METADATA_SERVICE_ENDPOINT: urls.imds,
            ...(settings.imdsV1 ? {} : { AWS_EC2_METADATA_V1_DISABLED: 'true' }),
          };
        case 'web_identity':
          return {
            ...env,
            AWS_WEB_IDENTITY_TOKEN_FILE: webIdentityTokenFile,
            AWS_ROLE_ARN: roleArn,
            AWS_ROLE_SESSION_NAME: 'credwatch',
          };
        case 'sso':
          // The SDK reads the SSO token cache under the home directory, and nowhere else.
          return {
            ...env,
            HOME: sso.home,
            AWS_CONFIG_FILE: sso.configFile,
            AWS_SHARED_CREDENTIALS_FILE: join(sso.home, '.aws', 'credentials'),
            AWS_PROFILE: SSO_PROFILE,
            AWS_ENDPOINT_URL_SSO: urls.sso,
          };
        default:
          return env;
      }
    },
    issuedCredentials: () => store.all(),
    createBucket: (name) => objects.createBucket(name),
    faults,
    stats,
    clock,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      rmSync(tokenDir, { recursive: true, force: true });
    },
  };
}
