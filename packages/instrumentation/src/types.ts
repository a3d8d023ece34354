import type { Span } from '@opentelemetry/api';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { CREDENTIAL_SOURCE_VALUES, EXPIRY_STATE_VALUES, REFRESH_TRIGGER_VALUES } from './semconv.js';

/** Where the credentials that signed a request came from (`aws.credentials.source`). */
export type CredentialSource = (typeof CREDENTIAL_SOURCE_VALUES)[number];

/** How close to expiry the signing credentials were (`aws.credentials.expiry_state`). */
export type ExpiryState = (typeof EXPIRY_STATE_VALUES)[number];

/** Why a credential provider fetched (`aws.credentials.refresh.trigger`). */
export type RefreshTrigger = (typeof REFRESH_TRIGGER_VALUES)[number];

export interface RefreshInfo {
  source: CredentialSource;
  trigger: RefreshTrigger;
  /** Whether the provider returned credentials. */
  outcome: 'success' | 'failure';
  /** Expiration of the fetched credentials, when they have one. */
  expiration?: Date;
  /** `error.type` of a failed fetch. */
  errorType?: string;
}

export interface RejectionInfo {
  /** `error.type`: the service error code, or the code credwatch inferred for a body-less response. */
  errorType: string;
  /** True when the response carried no error code and credwatch classified it from the signing credentials. */
  inferred: boolean;
  /** SDK service id, e.g. `S3`. */
  service: string;
  /** Operation name, e.g. `PutObject`. */
  operation: string;
  source: CredentialSource;
  expiryState: ExpiryState;
  /** Expiration − signing time in seconds; undefined for credentials without an expiration. */
  timeToExpirySeconds?: number;
}

/** A finding of credwatch's detectors, as `findingHook` gets it; see docs/telemetry.md#findings. */
export interface FindingInfo {
  /** `aws.credentials.finding.kind`, e.g. `temporary_without_expiry`. */
  kind: string;
  source: CredentialSource;
  /** The SDK service whose signing showed it; absent for a finding made when credentials were fetched. */
  service?: string;
  /** What credwatch saw, in a sentence; never a secret. */
  message: string;
  /** What to change, in a sentence. */
  fix: string;
}

export type RefreshHook = (span: Span, info: RefreshInfo) => void;
export type FindingHook = (span: Span, info: FindingInfo) => void;
export type RejectionHook = (span: Span, info: RejectionInfo) => void;

export interface AwsCredentialsInstrumentationConfig extends InstrumentationConfig {
  /**
   * SDK service ids to watch (`client.config.serviceId`, e.g. `['S3', 'STS']`). Every service by default.
   * Credential refreshes are recorded whatever the services.
   */
  services?: string[];
  /**
   * Adds `aws.credentials.key_fingerprint` (the last four characters of the access key id) to spans, to tell
   * two sessions apart in a trace. Off by default; never on metrics.
   */
  accessKeyFingerprint?: boolean;
  /**
   * Adds `aws.credentials.account_id` (the account the signing credentials belong to, when their provider or
   * the STS answer said) to `aws.credentials.signings` and `aws.credentials.rejections`, so that a refresh
   * landing in an unexpected account shows in metrics. Off by default: one more series per account.
   */
  accountIdAttribute?: boolean;
  /**
   * Also records an `aws.credentials.refresh` span for a successful read that never leaves the process
   * (environment variables, a profile's static keys). Off by default: such reads are still counted in
   * `aws.credentials.refresh.duration` and still set the source; fetches that leave the process (STS, SSO,
   * IMDS, container, web identity, `credential_process`, user functions) and every failure always get a span.
   */
  localRefreshSpans?: boolean;
  /**
   * Refresh a client's credentials when less than this is left, ahead of the SDK's fixed five-minute window:
   * seconds (`900`), a duration (`'15m'`, `'90s'`, `'1h'`) or a share of the session's lifetime (`'25%'`).
   * Off by default: it changes when the provider is called. One early refresh per credentials object: if it
   * fails, the credentials held are used until the SDK's own refresh; if the provider hands out credentials
   * that are already inside this buffer, that client goes back to the SDK's window (a `warn` says so, once).
   */
  refreshBefore?: number | string;
  /**
   * On `TokenRefreshRequired`, `ExpiredToken` or `ExpiredTokenException`, refresh the client's credentials
   * (`forceRefresh`) and send the request once more, signed with them. Off by default: it changes what the
   * application sees. Never twice for one operation, never for a streaming body or credentials handed to the
   * client; each case is counted in `aws.credentials.recoveries`. Applies to clients instrumented while it is on.
   */
  recover?: boolean;
  /** Called before an `aws.credentials.refresh` span ends (so not for an untraced local read). */
  refreshHook?: RefreshHook;
  /** Called with the span that carries a credential rejection (the operation span, or credwatch's own). */
  rejectionHook?: RejectionHook;
  /**
   * Called once per finding (each once per process per credentials object or configuration), with the span
   * that carries its event: to route findings to the application's own logger or alerting.
   */
  findingHook?: FindingHook;
}

/** Per-client choices for `instrumentClient(client, options)`. */
export interface InstrumentClientOptions {
  /**
   * Recovery (see the `recover` setting) for this client, whatever the instrumentation's setting: `true` turns
   * it on for this client alone, `false` off. Read when the client is instrumented: before its first send.
   */
  recover?: boolean;
}
