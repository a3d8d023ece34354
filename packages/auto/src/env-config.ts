import { ConfigError } from './config-error.js';

/** credwatch's own settings, read from `CREDWATCH_*`; everything else is the OpenTelemetry SDK's. */
export interface AutoConfig {
  /** `OTEL_SDK_DISABLED=true`: start nothing. */
  disabled: boolean;
  /** `CREDWATCH_SERVICES`: SDK service ids to watch; every service when undefined. */
  services?: string[];
  /** `CREDWATCH_ACCESS_KEY_FINGERPRINT`: last four characters of the key id on spans. */
  accessKeyFingerprint: boolean;
  /** `CREDWATCH_AWS_SDK_INSTRUMENTATION`: also start `@opentelemetry/instrumentation-aws-sdk`. */
  awsSdkInstrumentation: boolean;
  /** `CREDWATCH_REPORT`: `stderr`, or a file to write a JSON report of what credwatch saw at exit. */
  report?: string;
  /** `CREDWATCH_SHUTDOWN_TIMEOUT`: how long the exit flush may take, in milliseconds. */
  shutdownTimeoutMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;
type Check = (value: string) => string | undefined;

const EXPORTERS = {
  OTEL_TRACES_EXPORTER: ['otlp', 'console', 'zipkin', 'none'],
  OTEL_METRICS_EXPORTER: ['otlp', 'prometheus', 'console', 'none'],
  OTEL_LOGS_EXPORTER: ['otlp', 'console', 'none'],
} as const;
const OTLP_PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'];
const LOG_LEVELS = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'];
const BOOLEANS = ['true', 'false'];
const SIGNALS = ['', 'TRACES_', 'METRICS_', 'LOGS_'];

const oneOf =
  (allowed: readonly string[]): Check =>
  (value) =>
    allowed.includes(value.trim().toLowerCase()) ? undefined : `expected one of ${allowed.join(', ')}`;

const listOf =
  (allowed: readonly string[]): Check =>
  (value) => {
    const unknown = splitList(value).filter((item) => !allowed.includes(item));
    return unknown.length === 0 ? undefined : `unknown ${unknown.join(', ')}; expected ${allowed.join(', ')}`;
  };

const positiveInteger: Check = (value) =>
  /^\d+$/.test(value.trim()) && Number(value) > 0 ? undefined : 'expected a whole number greater than 0';

const port: Check = (value) =>
  /^\d+$/.test(value.trim()) && Number(value) <= 65535 ? undefined : 'expected a port number from 0 to 65535';

const httpUrl: Check = (value) => {
  try {
    const { protocol } = new URL(value.trim());
    return protocol === 'http:' || protocol === 'https:' ? undefined : 'expected an http:// or https:// URL';
  } catch {
    return 'expected an http:// or https:// URL';
  }
};

const keyValueList: Check = (value) => {
  const bad = splitList(value).filter((pair) => !/^[^=\s]+\s*=/.test(pair));
  return bad.length === 0 ? undefined : `expected key=value pairs separated by commas, got "${bad[0]}"`;
};

const serviceIds: Check = (value) =>
  splitList(value).length > 0 ? undefined : 'expected service ids separated by commas, e.g. S3,STS';

/** Every variable credwatch reads or hands to the SDK, with what a valid value looks like. */
const RULES: Record<string, Check> = {
  OTEL_SDK_DISABLED: oneOf(BOOLEANS),
  OTEL_LOG_LEVEL: oneOf(LOG_LEVELS),
  OTEL_RESOURCE_ATTRIBUTES: keyValueList,
  ...Object.fromEntries(Object.entries(EXPORTERS).map(([name, allowed]) => [name, listOf(allowed)])),
  ...Object.fromEntries(
    SIGNALS.flatMap((signal) => [
      [`OTEL_EXPORTER_OTLP_${signal}PROTOCOL`, oneOf(OTLP_PROTOCOLS)],
      [`OTEL_EXPORTER_OTLP_${signal}ENDPOINT`, httpUrl],
      [`OTEL_EXPORTER_OTLP_${signal}HEADERS`, keyValueList],
      [`OTEL_EXPORTER_OTLP_${signal}TIMEOUT`, positiveInteger],
      [`OTEL_EXPORTER_OTLP_${signal}COMPRESSION`, oneOf(['gzip', 'none'])],
    ]),
  ),
  OTEL_METRIC_EXPORT_INTERVAL: positiveInteger,
  OTEL_METRIC_EXPORT_TIMEOUT: positiveInteger,
  OTEL_EXPORTER_PROMETHEUS_PORT: port,
  CREDWATCH_SERVICES: serviceIds,
  CREDWATCH_ACCESS_KEY_FINGERPRINT: oneOf(BOOLEANS),
  CREDWATCH_AWS_SDK_INSTRUMENTATION: oneOf(BOOLEANS),
  CREDWATCH_REPORT: (value) => (value.trim() ? undefined : 'expected "stderr" or a file path'),
  CREDWATCH_SHUTDOWN_TIMEOUT: positiveInteger,
};

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5000;

/**
 * Validates the environment and returns credwatch's settings. Every invalid variable is reported at once,
 * by name, so a typo stops the process before the application starts instead of silently exporting nowhere.
 */
export function readConfig(env: Env = process.env): AutoConfig {
  const problems: string[] = [];
  for (const [name, check] of Object.entries(RULES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const problem = check(value);
    if (problem) problems.push(`${name}=${JSON.stringify(value)}: ${problem}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const flag = (name: string, fallback: boolean) => {
    const value = env[name]?.trim().toLowerCase();
    return value ? value === 'true' : fallback;
  };
  const services = env.CREDWATCH_SERVICES ? splitList(env.CREDWATCH_SERVICES, false) : undefined;
  const report = env.CREDWATCH_REPORT?.trim() || undefined;
  return {
    disabled: flag('OTEL_SDK_DISABLED', false),
    ...(services ? { services } : {}),
    accessKeyFingerprint: flag('CREDWATCH_ACCESS_KEY_FINGERPRINT', false),
    awsSdkInstrumentation: flag('CREDWATCH_AWS_SDK_INSTRUMENTATION', true),
    ...(report ? { report } : {}),
    shutdownTimeoutMs: Number(env.CREDWATCH_SHUTDOWN_TIMEOUT || DEFAULT_SHUTDOWN_TIMEOUT_MS),
  };
}

/** A comma-separated variable as trimmed, non-empty items. */
export function splitList(value: string, lowerCase = true): string[] {
  return value
    .split(',')
    .map((item) => (lowerCase ? item.trim().toLowerCase() : item.trim()))
    .filter((item) => item !== '');
}
