/**
 * The telemetry contract's metrics as Prometheus stores them. One regex per metric matches all three naming
 * paths: the OpenTelemetry JS pull exporter (`…_total`, no unit suffix), OTLP into Prometheus with the
 * default translation (`…_seconds_bucket`, `…_total`) and OTLP into Mimir without suffixes.
 */
export const SERIES = {
  signings: 'aws_credentials_signings(_total)?',
  rejections: 'aws_credentials_rejections(_total)?',
  timeToExpiryBucket: 'aws_credentials_time_to_expiry(_seconds)?_bucket',
  refreshCount: 'aws_credentials_refresh_duration(_seconds)?_count',
  expiration: 'aws_credentials_expiration(_seconds)?',
  clients: 'aws_credentials_clients',
  findings: 'aws_credentials_findings(_total)?',
} as const;

export type Series = keyof typeof SERIES;

/** The concrete names on each path, for tests and for users who pin one form. */
export const NAMING_PATHS = {
  pull: {
    signings: 'aws_credentials_signings_total',
    rejections: 'aws_credentials_rejections_total',
    timeToExpiryBucket: 'aws_credentials_time_to_expiry_bucket',
    refreshCount: 'aws_credentials_refresh_duration_count',
    expiration: 'aws_credentials_expiration',
    clients: 'aws_credentials_clients',
    findings: 'aws_credentials_findings_total',
  },
  otlp: {
    signings: 'aws_credentials_signings_total',
    rejections: 'aws_credentials_rejections_total',
    timeToExpiryBucket: 'aws_credentials_time_to_expiry_seconds_bucket',
    refreshCount: 'aws_credentials_refresh_duration_seconds_count',
    expiration: 'aws_credentials_expiration_seconds',
    clients: 'aws_credentials_clients',
    findings: 'aws_credentials_findings_total',
  },
  mimir: {
    signings: 'aws_credentials_signings',
    rejections: 'aws_credentials_rejections',
    timeToExpiryBucket: 'aws_credentials_time_to_expiry_bucket',
    refreshCount: 'aws_credentials_refresh_duration_count',
    expiration: 'aws_credentials_expiration',
    clients: 'aws_credentials_clients',
    findings: 'aws_credentials_findings',
  },
} as const satisfies Record<string, Record<Series, string>>;

export type NamingPath = keyof typeof NAMING_PATHS;

/** `aws.credentials.time_to_expiry` bucket boundaries (seconds), fixed by the contract. */
export const TIME_TO_EXPIRY_BUCKETS = [0, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200] as const;

/** The AWS SDK refreshes credentials this many seconds before they expire (its refresh window). */
export const SDK_REFRESH_WINDOW_SECONDS = 300;

/** The contract's rejection codes that mean "these credentials are past their life". */
export const EXPIRED_CODES = ['ExpiredToken', 'ExpiredTokenException', 'RequestExpired'] as const;
