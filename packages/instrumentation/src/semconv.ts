/**
 * Telemetry names from the credwatch telemetry contract (v1). The alert pack and the dashboards depend on
 * them: change one only together with `@credwatch/alerts` and the docs.
 */

export const ATTR_AWS_CREDENTIALS_SOURCE = 'aws.credentials.source';
export const ATTR_AWS_CREDENTIALS_EXPIRY_STATE = 'aws.credentials.expiry_state';
export const ATTR_AWS_CREDENTIALS_TEMPORARY = 'aws.credentials.temporary';
/** Something can fetch new credentials (a provider), as opposed to an object or key triple handed to the client. */
export const ATTR_AWS_CREDENTIALS_REFRESHABLE = 'aws.credentials.refreshable';
export const ATTR_AWS_CREDENTIALS_REFRESH_TRIGGER = 'aws.credentials.refresh.trigger';
export const ATTR_AWS_CREDENTIALS_EXPIRATION = 'aws.credentials.expiration';
export const ATTR_AWS_CREDENTIALS_LIFETIME = 'aws.credentials.lifetime';
/** On refresh spans: the principal the fetched credentials belong to (the STS assumed-role ARN). */
export const ATTR_AWS_CREDENTIALS_PRINCIPAL = 'aws.credentials.principal';
/** On `aws.credentials.recoveries`: `recovered`, `failed` or `skipped`. */
export const ATTR_AWS_CREDENTIALS_RECOVERY_OUTCOME = 'aws.credentials.recovery.outcome';
/** On skipped recoveries: why the request could not be sent again. */
export const ATTR_AWS_CREDENTIALS_RECOVERY_SKIP_REASON = 'aws.credentials.recovery.skip_reason';
/** On refresh spans: the AWS account the fetched credentials belong to. */
export const ATTR_AWS_CREDENTIALS_ACCOUNT_ID = 'aws.credentials.account_id';
export const ATTR_AWS_CREDENTIALS_TIME_TO_EXPIRY = 'aws.credentials.time_to_expiry';
export const ATTR_AWS_CREDENTIALS_AGE = 'aws.credentials.age';
export const ATTR_AWS_CREDENTIALS_REFRESH_IN_FLIGHT = 'aws.credentials.refresh_in_flight';
export const ATTR_AWS_CREDENTIALS_REJECTION_INFERRED = 'aws.credentials.rejection.inferred';
/** On `aws.credentials.findings` and the `aws.credentials.finding` event: which finding (`FINDING_VALUES`). */
export const ATTR_AWS_CREDENTIALS_FINDING_KIND = 'aws.credentials.finding.kind';
/** On the `aws.credentials.finding` event and log record: what to change, in a sentence. */
export const ATTR_AWS_CREDENTIALS_FINDING_FIX = 'aws.credentials.finding.fix';
/** On findings in AWS Lambda: the invocations of this process that signed with the credentials so far. */
export const ATTR_AWS_CREDENTIALS_INVOCATIONS = 'aws.credentials.invocations';
/** Opt-in, spans only: at most the last four characters of the access key id. */
export const ATTR_AWS_CREDENTIALS_KEY_FINGERPRINT = 'aws.credentials.key_fingerprint';

// Existing conventions, reused as `@opentelemetry/instrumentation-aws-sdk` sets them.
export const ATTR_RPC_SERVICE = 'rpc.service';
export const ATTR_RPC_METHOD = 'rpc.method';
export const ATTR_RPC_SYSTEM = 'rpc.system';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_AWS_S3_BUCKET = 'aws.s3.bucket';
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';

export const METRIC_TIME_TO_EXPIRY = 'aws.credentials.time_to_expiry';
export const METRIC_SIGNINGS = 'aws.credentials.signings';
export const METRIC_REFRESH_DURATION = 'aws.credentials.refresh.duration';
export const METRIC_REJECTIONS = 'aws.credentials.rejections';
export const METRIC_EXPIRATION = 'aws.credentials.expiration';
export const METRIC_RECOVERIES = 'aws.credentials.recoveries';
/** Each finding, once per process per subject (a credentials object, a configuration). */
export const METRIC_FINDINGS = 'aws.credentials.findings';
/** Always exported once credwatch has a meter (0 before the first client): its absence means lost telemetry. */
export const METRIC_CLIENTS = 'aws.credentials.clients';

export const SPAN_REFRESH = 'aws.credentials.refresh';
/** Recorded by credwatch only when no SDK operation span is there to carry the rejection. */
export const SPAN_REJECTION = 'aws.credentials.rejection';
export const EVENT_REJECTED = 'aws.credentials.rejected';
/** The event (and log record) of a finding; also the name of the span credwatch records when no operation span is there. */
export const EVENT_FINDING = 'aws.credentials.finding';
export const SPAN_FINDING = 'aws.credentials.finding';

/** Explicit buckets of `aws.credentials.time_to_expiry`, in seconds (contract). */
export const TIME_TO_EXPIRY_BUCKETS = [0, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200];
/** Refreshes range from a local file read (ms) to IMDS/STS retries with back-off (s). */
export const REFRESH_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const ERROR_TYPE_OTHER = '_OTHER';

/** The values of `aws.credentials.source`; see docs/telemetry.md for what each means. */
export const CREDENTIAL_SOURCE_VALUES = [
  'env',
  'profile',
  'sso',
  'web_identity',
  'assume_role',
  'container',
  'imds',
  'process',
  'login',
  'static',
  'custom',
  'unknown',
] as const;

/** The values of `aws.credentials.expiry_state`. */
export const EXPIRY_STATE_VALUES = ['valid', 'refresh_window', 'expired', 'no_expiry'] as const;

/** The values of `aws.credentials.refresh.trigger`. */
export const REFRESH_TRIGGER_VALUES = ['initial', 'expiring', 'expired', 'background', 'forced'] as const;

/** The values of `aws.credentials.finding.kind`; see docs/telemetry.md for what each means and its fix. */
export const FINDING_VALUES = [
  'temporary_without_expiry',
  'competing_sources',
  'unrefreshable_expiring',
  'static_stability_extension',
  'stale_source_file',
] as const;

/** The service error codes recorded as `error.type` of a rejection: the credentials are no longer accepted. */
export const REJECTION_ERROR_TYPE_VALUES = [
  'TokenRefreshRequired',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidToken',
  'RequestExpired',
  'InvalidClientTokenId',
] as const;
