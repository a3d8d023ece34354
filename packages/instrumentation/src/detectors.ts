import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Span } from '@opentelemetry/api';
import type { ClientState } from './client-state.js';
import type { Finding } from './findings.js';
import type { AwsIdentity } from './internal-types.js';
import {
  ATTR_AWS_CREDENTIALS_AGE,
  ATTR_AWS_CREDENTIALS_EXPIRATION,
  ATTR_AWS_CREDENTIALS_EXPIRY_STATE,
  ATTR_AWS_CREDENTIALS_INVOCATIONS,
  ATTR_AWS_CREDENTIALS_TIME_TO_EXPIRY,
  ATTR_ERROR_TYPE,
  ATTR_RPC_METHOD,
} from './semconv.js';
import type { Telemetry } from './telemetry.js';
import type { CredentialSource, ExpiryState } from './types.js';

/** What a signing attempt used, as the detectors read it. */
export interface SigningFacts {
  identity: AwsIdentity;
  source: CredentialSource;
  state: ExpiryState;
  temporary: boolean;
  timeToExpirySeconds: number | undefined;
  /** e.g. `PutObject`. */
  operation: string;
}

/**
 * The process-wide invocation count `@credwatch/auto` keeps in AWS Lambda (one per handler call), so that a
 * finding can say over how many invocations a warm runtime reused the same credentials.
 */
export const LAMBDA_INVOCATIONS = Symbol.for('credwatch.lambda.invocations');

function invocationCount(): number | undefined {
  const count = (globalThis as { [LAMBDA_INVOCATIONS]?: unknown })[LAMBDA_INVOCATIONS];
  return typeof count === 'number' ? count : undefined;
}

const PROVIDER_FIX =
  'Give the client a credential provider (fromTemporaryCredentials, fromNodeProviderChain, or no credentials ' +
  'option at all for the default chain) instead of the keys it returned';

/** A credential source the environment configures for the default chain, in the chain's order. */
interface ConfiguredSource {
  /** The `aws.credentials.source` values its credentials carry. */
  sources: readonly CredentialSource[];
  variables: readonly string[];
  describe(env: Env): string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

const set = (env: Env, variable: string) => (env[variable] ?? '') !== '';

const CONFIGURED_SOURCES: readonly ConfiguredSource[] = [
  {
    sources: ['env'],
    variables: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'],
    describe: (env) =>
      set(env, 'AWS_ACCESS_KEY_ID') && set(env, 'AWS_SECRET_ACCESS_KEY')
        ? 'the keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'
        : undefined,
  },
  {
    sources: ['profile', 'sso', 'process', 'login'],
    variables: ['AWS_PROFILE'],
    describe: (env) =>
      set(env, 'AWS_PROFILE') ? `the profile "${env.AWS_PROFILE}" (AWS_PROFILE)` : undefined,
  },
  {
    sources: ['web_identity'],
    variables: ['AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN'],
    describe: (env) =>
      set(env, 'AWS_WEB_IDENTITY_TOKEN_FILE')
        ? 'a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)'
        : undefined,
  },
  {
    sources: ['container'],
    variables: ['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI'],
    describe: (env) =>
      set(env, 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI') || set(env, 'AWS_CONTAINER_CREDENTIALS_FULL_URI')
        ? 'a container credentials endpoint (AWS_CONTAINER_CREDENTIALS_*)'
        : undefined,
  },
];

/** The sources a default-chain client can sign with. */
const CHAIN_SOURCES: readonly CredentialSource[] = [
  'env',
  'profile',
  'sso',
  'process',
  'login',
  'web_identity',
  'container',
  'imds',
];

/**
 * When the environment configures more than one credential source, which one signed and which it shadows
 * (`competing_sources`); undefined when there is no competition, or the client was not given the default chain.
 */
export function competingSources(
  env: Env,
  signedWith: CredentialSource,
): { winner: string | undefined; shadowed: string[]; variables: string[] } | undefined {
  if (!CHAIN_SOURCES.includes(signedWith)) return undefined;
  const configured = CONFIGURED_SOURCES.flatMap((source) => {
    const description = source.describe(env);
    return description === undefined ? [] : [{ ...source, description }];
  });
  if (configured.length < 2) return undefined;
  const winner = configured.find((source) => source.sources.includes(signedWith));
  const losers = configured.filter((source) => source !== winner);
  return {
    winner: winner?.description,
    shadowed: losers.map((source) => source.description),
    variables: losers.flatMap((source) => source.variables.filter((variable) => set(env, variable))),
  };
}

/**
 * Findings a signing shows: checked once per credentials object for how they were set up, and at each
 * signing inside the refresh window or past expiry for credentials nothing can refresh. Each is reported
 * once per credentials object (or configuration) per process.
 */
export function detectAtSigning(client: ClientState, signing: SigningFacts, span: Span | undefined): void {
  const { telemetry } = client;
  const report = (subject: object | string, finding: Omit<Finding, 'source' | 'service'>) =>
    telemetry.findings.report(
      telemetry,
      subject,
      { ...finding, source: signing.source, service: client.service },
      span,
    );
  const invocations = invocationCount();
  const firstUse =
    invocations === undefined
      ? undefined
      : telemetry.registry.firstUse(signing.identity.accessKeyId, invocations);
  const fetchedAtMs = fetchedAt(client, signing.identity);
  const context = {
    ...(fetchedAtMs === undefined ? {} : { [ATTR_AWS_CREDENTIALS_AGE]: (Date.now() - fetchedAtMs) / 1000 }),
    ...(invocations === undefined || firstUse === undefined
      ? {}
      : { [ATTR_AWS_CREDENTIALS_INVOCATIONS]: invocations - firstUse + 1 }),
    [ATTR_AWS_CREDENTIALS_EXPIRY_STATE]: signing.state,
    [ATTR_RPC_METHOD]: signing.operation,
    ...(signing.timeToExpirySeconds === undefined
      ? {}
      : { [ATTR_AWS_CREDENTIALS_TIME_TO_EXPIRY]: signing.timeToExpirySeconds }),
  };

  if (client.checkedIdentity !== signing.identity) {
    client.checkedIdentity = signing.identity;
    if (signing.temporary && signing.timeToExpirySeconds === undefined) {
      report(signing.identity, {
        kind: 'temporary_without_expiry',
        attributes: context,
        ...withoutExpiry(client, signing),
      });
    }
    const competing = competingSources(process.env, signing.source);
    if (competing !== undefined) {
      const winner = competing.winner ?? `the ${signing.source} source`;
      const profileSkipsKeys = set(process.env, 'AWS_PROFILE') && signing.source !== 'env';
      report(`${signing.source}\u0000${competing.shadowed.join('\u0000')}`, {
        kind: 'competing_sources',
        attributes: context,
        message:
          `${client.service} requests are signed with credentials from ${winner}, while ` +
          `${competing.shadowed.join(' and ')} ${competing.shadowed.length > 1 ? 'are' : 'is'} also configured ` +
          "in this process's environment: the default chain takes the first source that works" +
          `${profileSkipsKeys ? ' (and skips environment keys when AWS_PROFILE is set)' : ''}, so the others are never used.`,
        fix:
          `Configure one source: remove ${competing.variables.join(', ')} from the environment, or the ` +
          `settings of ${winner} if one of the others is meant.`,
      });
    }
  }

  if (signing.source === 'static' && (signing.state === 'refresh_window' || signing.state === 'expired')) {
    const seconds = Math.round(Math.abs(signing.timeToExpirySeconds ?? 0));
    report(signing.identity, {
      kind: 'unrefreshable_expiring',
      attributes: context,
      message:
        `${client.service} ${signing.operation} is signed with credentials handed to the client that ` +
        `${signing.state === 'expired' ? `expired ${seconds} s ago` : `expire in ${seconds} s`}; nothing can ` +
        `refresh them, so the job outlives its session${reuse(invocations, firstUse)}.`,
      fix: `${PROVIDER_FIX}, so that the SDK refreshes them ahead of expiry; or ask for a session that outlasts the job (DurationSeconds, up to the role's MaxSessionDuration).`,
    });
  }
}

/** In Lambda: how many invocations of this warm runtime have signed with the credentials. */
function reuse(invocations: number | undefined, firstUse: number | undefined): string {
  if (invocations === undefined || firstUse === undefined) return '';
  const count = invocations - firstUse + 1;
  return ` (this warm Lambda runtime has signed with them in ${count} invocation${count === 1 ? '' : 's'})`;
}

function withoutExpiry(client: ClientState, signing: SigningFacts): Pick<Finding, 'message' | 'fix'> {
  if (signing.source === 'env') {
    return {
      message:
        `${client.service} requests are signed with the session in AWS_SESSION_TOKEN, and AWS_CREDENTIAL_EXPIRATION ` +
        'is not set: the SDK cannot know when the session ends, and signs with it until the service rejects it.',
      fix:
        'Let the process use a source that refreshes (a container credentials endpoint, a web identity token, a ' +
        'profile with role_arn) instead of exported session keys; or set AWS_CREDENTIAL_EXPIRATION and restart ' +
        'the process before it passes.',
    };
  }
  return {
    message:
      `${client.service} requests are signed with temporary credentials (they carry a session token) that have ` +
      'no expiration: a key triple kept from an earlier AssumeRole, a file or a cache, which the SDK never refreshes.',
    fix: `${PROVIDER_FIX}; or keep their Expiration with the keys, so that the SDK knows when to refresh.`,
  };
}

/**
 * At a fetch: instance credentials the SDK extended past their expiration because the metadata service failed
 * or served expired ones (its "static stability"; it only logs a warning). The SDK marks them with
 * `originalExpiration`. Once per original session.
 */
export function detectAtFetch(
  telemetry: Telemetry,
  identity: unknown,
  source: CredentialSource,
  span: Span,
): void {
  const original = (identity as { originalExpiration?: unknown } | undefined)?.originalExpiration;
  const extended = (identity as { expiration?: unknown } | undefined)?.expiration;
  if (!(original instanceof Date) || !(extended instanceof Date)) return;
  telemetry.findings.report(
    telemetry,
    `${source}\u0000${original.getTime()}`,
    {
      kind: 'static_stability_extension',
      source,
      message:
        `The instance metadata service failed or served expired credentials, so the SDK extended a session ` +
        `that expired at ${original.toISOString()} to ${extended.toISOString()} and keeps signing with it: ` +
        'AWS may reject it, and the SDK only logs a warning.',
      fix:
        'Find why the instance metadata service fails: the hop limit for containers (HttpPutResponseHopLimit 2), ' +
        'IMDSv2 tokens blocked by a proxy or network policy, throttling from too many clients. Each extension ' +
        'lasts 5 to 10 minutes, and the SDK tries the service again after it.',
      attributes: {
        [ATTR_AWS_CREDENTIALS_EXPIRATION]: extended.toISOString(),
      },
    },
    span,
  );
}

/**
 * The earliest credwatch knows of these credentials: when a provider it saw fetch them, or when the client
 * first got their key (a chain can hand out new objects for one fetch). Their source was read no later.
 */
function fetchedAt(client: ClientState, identity: AwsIdentity): number | undefined {
  const known = [client.telemetry.registry.info(identity)?.fetchedAtMs, client.keyReturnedAtMs(identity)];
  const times = known.filter((time): time is number => time !== undefined);
  return times.length === 0 ? undefined : Math.min(...times);
}

/** The files a source's credentials are read from, as the SDK finds them. */
function sourceFiles(source: CredentialSource, env: Env): { path: string; describe: string }[] {
  const home = env.HOME || env.USERPROFILE || homedir();
  if (source === 'web_identity' && env.AWS_WEB_IDENTITY_TOKEN_FILE) {
    return [
      {
        path: env.AWS_WEB_IDENTITY_TOKEN_FILE,
        describe: 'the web identity token file (AWS_WEB_IDENTITY_TOKEN_FILE)',
      },
    ];
  }
  if (source === 'profile') {
    return [
      {
        path: env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'),
        describe: 'the shared credentials file',
      },
      { path: env.AWS_CONFIG_FILE || join(home, '.aws', 'config'), describe: 'the shared config file' },
    ];
  }
  if (source === 'sso')
    return [{ path: join(home, '.aws', 'sso', 'cache'), describe: 'the SSO token cache' }];
  return [];
}

/**
 * At a rejection: the file the signing credentials came from changed on disk after they were read (keys
 * rotated in the credentials file, a new web identity token, a new SSO login) while the process still signs
 * with what it read before. Checked only when the service rejects the credentials, so no request pays for a
 * file system call. Once per credentials object.
 */
export function detectAtRejection(
  client: ClientState,
  signing: Omit<SigningFacts, 'identity'> & { identity: AwsIdentity | undefined },
  errorType: string,
  span: Span | undefined,
): void {
  const { identity } = signing;
  if (identity === undefined) return;
  // The earliest credwatch knows of these credentials: when a provider it saw fetched them, or when the
  // client first got their key (a chain can hand out new objects for one fetch). The file was read no later.
  const known = [client.telemetry.registry.info(identity)?.fetchedAtMs, client.keyReturnedAtMs(identity)];
  const times = known.filter((time): time is number => time !== undefined);
  if (times.length === 0) return;
  const fetchedAtMs = Math.min(...times);
  const changed = sourceFiles(signing.source, process.env).find(({ path }) => {
    try {
      // mtime comes from the kernel's coarse clock, a tick behind Date: a write within a few ms after the
      // fetch can look older, never the other way round, so this errs towards saying nothing.
      return statSync(path).mtimeMs > fetchedAtMs;
    } catch {
      return false; // gone or unreadable: not this finding
    }
  });
  if (changed === undefined) return;
  const ageSeconds = Math.round((Date.now() - fetchedAtMs) / 1000);
  client.telemetry.findings.report(
    client.telemetry,
    identity,
    {
      kind: 'stale_source_file',
      source: signing.source,
      service: client.service,
      message:
        `${client.service} rejected ${signing.operation} (${errorType}), signed with ${signing.source} credentials ` +
        `read ${ageSeconds} s ago; ${changed.describe} changed on disk after that read, and the SDK keeps what ` +
        'it read until the credentials expire (keys without an expiration: for the life of the process).',
      fix:
        'Let the SDK read the file again: create a new client (or provider) after the file changes, or call ' +
        'the provider with { forceRefresh: true }; or restart the process when the file is rotated.',
      attributes: { [ATTR_ERROR_TYPE]: errorType, [ATTR_RPC_METHOD]: signing.operation },
    },
    span,
  );
}
