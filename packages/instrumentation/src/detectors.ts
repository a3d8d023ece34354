import type { Span } from '@opentelemetry/api';
import type { ClientState } from './client-state.js';
import { competingSources } from './competing-sources.js';
import type { Finding, FindingKind } from './findings.js';
import type { AwsIdentity } from './internal-types.js';
import {
  ATTR_AWS_CREDENTIALS_AGE,
  ATTR_AWS_CREDENTIALS_EXPIRY_STATE,
  ATTR_AWS_CREDENTIALS_INVOCATIONS,
  ATTR_AWS_CREDENTIALS_TIME_TO_EXPIRY,
  ATTR_RPC_METHOD,
} from './semconv.js';
import { isRefreshableSource } from './sources.js';
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

/** Where credentials that nothing refreshes came from, as a finding says it. */
const LOCAL_ORIGIN: Partial<Record<CredentialSource, string>> = {
  static: 'credentials handed to the client',
  env: 'session credentials from the environment (AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION)',
  profile: 'session credentials from the shared credentials file',
};

const LOCAL_SOURCE_FIX =
  'Let the process fetch its credentials from a source that refreshes (a profile with role_arn, a web identity ' +
  'token, a container or instance role) instead of a session copied into it';

/**
 * Findings a signing shows: checked once per credentials object for how they were set up, and at each
 * signing inside the refresh window or past expiry for credentials nothing can refresh. Each is reported
 * once per credentials object (or configuration) per process.
 */
export function detectAtSigning(client: ClientState, signing: SigningFacts, span: Span | undefined): void {
  const { telemetry } = client;
  // In Lambda, the first invocation that signed with this key is noted at its first signing, to count reuse.
  const invocations = invocationCount();
  const firstUse =
    invocations === undefined
      ? undefined
      : telemetry.registry.firstUse(signing.identity.accessKeyId, invocations);
  // Built only for a finding not reported yet.
  const context = () => {
    const fetchedAtMs = fetchedAt(client, signing.identity);
    return {
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
  };
  const report = (
    kind: FindingKind,
    subject: object | string,
    describe: () => Pick<Finding, 'message' | 'fix'>,
  ) =>
    telemetry.findings.report(
      telemetry,
      kind,
      subject,
      () => ({ ...describe(), source: signing.source, service: client.service, attributes: context() }),
      span,
    );

  if (client.checkedIdentity !== signing.identity) {
    client.checkedIdentity = signing.identity;
    if (signing.temporary && signing.timeToExpirySeconds === undefined) {
      report('temporary_without_expiry', signing.identity, () => withoutExpiry(client, signing));
    }
    const competing = competingSources(process.env, signing.source);
    if (competing !== undefined) {
      const winner = competing.winner ?? `the ${signing.source} source`;
      report('competing_sources', `${signing.source}\u0000${competing.shadowed.join('\u0000')}`, () => ({
        message:
          `${client.service} requests are signed with credentials from ${winner}, while ` +
          `${competing.shadowed.join(' and ')} ${competing.shadowed.length > 1 ? 'are' : 'is'} also configured ` +
          "in this process's environment: the default chain takes the first source that works" +
          `${competing.profileSkipsKeys ? ' (and skips environment keys when AWS_PROFILE is set)' : ''}, so the others are never used.`,
        fix:
          `Configure one source: remove ${competing.variables.join(', ')} from the environment, or the ` +
          `settings of ${winner} if one of the others is meant.`,
      }));
    }
  }

  if (unrefreshableAtEnd(signing.source, signing.state)) {
    // Per session key: the environment hands the SDK a new object with the same keys at every read.
    report('unrefreshable_expiring', signing.identity.accessKeyId, () => {
      const seconds = Math.round(Math.abs(signing.timeToExpirySeconds ?? 0));
      return {
        message:
          `${client.service} ${signing.operation} is signed with ${LOCAL_ORIGIN[signing.source] ?? LOCAL_ORIGIN.static} that ` +
          `${signing.state === 'expired' ? `expired ${seconds} s ago` : `expire in ${seconds} s`}; nothing can ` +
          `refresh them, so the job outlives its session${reuse(invocations, firstUse)}.`,
        fix: `${signing.source === 'static' ? PROVIDER_FIX : LOCAL_SOURCE_FIX}, so that the SDK refreshes them ahead of expiry; or ask for a session that outlasts the job (DurationSeconds, up to the role's MaxSessionDuration).`,
      };
    });
  }
}

/**
 * Credentials nothing can refresh, signing inside their refresh window or after expiry: the one signing-time
 * finding that can appear after the first signing of a credentials object.
 */
export function unrefreshableAtEnd(source: CredentialSource, state: ExpiryState): boolean {
  return (state === 'refresh_window' || state === 'expired') && !isRefreshableSource(source);
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
 * The earliest credwatch knows of these credentials: when a provider it saw fetch them, or when the client
 * first got their key (a chain can hand out new objects for one fetch). Their source was read no later.
 */
export function fetchedAt(client: ClientState, identity: AwsIdentity): number | undefined {
  const known = [client.telemetry.registry.info(identity)?.fetchedAtMs, client.keyReturnedAtMs(identity)];
  const times = known.filter((time): time is number => time !== undefined);
  return times.length === 0 ? undefined : Math.min(...times);
}
