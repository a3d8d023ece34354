import { isIP } from 'node:net';
import { parseRefreshBefore } from '@credwatch/instrumentation';
import { ConfigError } from './config-error.js';
import { missingPackage, OPTIONAL_PACKAGES, otlpExporterPackage } from './exporter-packages.js';

/** credwatch's own settings, read from `CREDWATCH_*`; everything else is the OpenTelemetry SDK's. */
export interface AutoConfig {
  /** `OTEL_SDK_DISABLED=true`: start nothing. */
  disabled: boolean;
  /** `CREDWATCH_SERVICES`: SDK service ids to watch; every service when undefined. */
  services?: string[];
  /** `CREDWATCH_ACCESS_KEY_FINGERPRINT`: last four characters of the key id on spans. */
  accessKeyFingerprint: boolean;
  /** `CREDWATCH_ACCOUNT_ID_ATTRIBUTE`: the account id on signings and rejections. */
  accountIdAttribute: boolean;
  /** `CREDWATCH_AWS_SDK_INSTRUMENTATION`: also start `@opentelemetry/instrumentation-aws-sdk`. */
  awsSdkInstrumentation: boolean;
  /** `CREDWATCH_REPORT`: `stderr`, or a file to write a JSON report of what credwatch saw at exit. */
  report?: string;
  /** `CREDWATCH_SHUTDOWN_TIMEOUT`: how long the exit flush may take, in milliseconds. */
  shutdownTimeoutMs: number;
  /** `CREDWATCH_LAMBDA_FLUSH_TIMEOUT`: in Lambda, how long each invocation's flush may take, in milliseconds. */
  lambdaFlushTimeoutMs: number;
  /** `CREDWATCH_RECOVER`: refresh and send again once on `TokenRefreshRequired`/`ExpiredToken`. */
  recover: boolean;
  /** `CREDWATCH_REFRESH_BEFORE`: refresh credentials this early (seconds, `15m`, `25%`); off when undefined. */
  refreshBefore?: number | string;
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
const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];
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

/** Node runs a timer of at most 2^31 - 1 ms; a longer one fires after 1 ms instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const milliseconds: Check = (value) =>
  /^\d+$/.test(value.trim()) && Number(value) > 0 && Number(value) <= MAX_TIMER_MS
    ? undefined
    : `expected a whole number of milliseconds from 1 to ${MAX_TIMER_MS} (the longest timer Node.js runs)`;

const positiveInteger: Check = (value) =>
  /^\d+$/.test(value.trim()) && Number(value) > 0 && Number.isSafeInteger(Number(value))
    ? undefined
    : 'expected a whole number greater than 0';

const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

const host: Check = (value) =>
  isIP(value.trim()) !== 0 || HOSTNAME.test(value.trim())
    ? undefined
    : 'expected a host name or an IP address of this machine, e.g. 0.0.0.0, 127.0.0.1 or ::';

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

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;
const HEADER_VALUE = /^[\t\x20-\x7e]+$/;

/**
 * `key=value` pairs as OpenTelemetry sends them as HTTP headers: each side percent-decoded, a `;` ending the
 * value (baggage metadata syntax). A name or value HTTP cannot carry would fail every export at run time.
 */
const headerList: Check = (value) => {
  for (const pair of splitList(value, false)) {
    if (!pair.includes('=')) return `expected name=value pairs, got "${pair}"`;
    const [name = '', ...rest] = pair.split(';')[0]?.split('=') ?? [];
    let decodedName: string;
    let decodedValue: string;
    try {
      decodedName = decodeURIComponent(name.trim());
      decodedValue = decodeURIComponent(rest.join('=').trim());
    } catch {
      return `"${name.trim()}" is not valid percent-encoding`;
    }
    if (!HEADER_NAME.test(decodedName))
      return `expected name=value pairs, got "${name.trim()}" as a header name`;
    if (!HEADER_VALUE.test(decodedValue))
      return `the value of ${decodedName} must be visible ASCII once percent-decoded (HTTP cannot send it otherwise)`;
    if (pair.includes(';')) return `the value of ${decodedName} contains ";", which ends it; write it as %3B`;
  }
  return undefined;
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
      [`OTEL_EXPORTER_OTLP_${signal}HEADERS`, headerList],
      [`OTEL_EXPORTER_OTLP_${signal}TIMEOUT`, milliseconds],
      [`OTEL_EXPORTER_OTLP_${signal}COMPRESSION`, oneOf(['gzip', 'none'])],
    ]),
  ),
  OTEL_TRACES_SAMPLER: oneOf(SAMPLERS),
  OTEL_TRACES_SAMPLER_ARG: (value) =>
    /^\s*(0|1|0?\.\d+|1\.0*)\s*$/.test(value) ? undefined : 'expected a ratio from 0 to 1, e.g. 0.25',
  OTEL_PROPAGATORS: listOf(['tracecontext', 'baggage', 'none']),
  OTEL_NODE_RESOURCE_DETECTORS: listOf(['env', 'host', 'os', 'process', 'serviceinstance', 'all', 'none']),
  OTEL_METRIC_EXPORT_INTERVAL: milliseconds,
  OTEL_METRIC_EXPORT_TIMEOUT: milliseconds,
  OTEL_BSP_SCHEDULE_DELAY: milliseconds,
  OTEL_BSP_EXPORT_TIMEOUT: milliseconds,
  OTEL_BSP_MAX_QUEUE_SIZE: positiveInteger,
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: positiveInteger,
  OTEL_EXPORTER_PROMETHEUS_HOST: host,
  OTEL_EXPORTER_PROMETHEUS_PORT: port,
  CREDWATCH_SERVICES: serviceIds,
  CREDWATCH_ACCESS_KEY_FINGERPRINT: oneOf(BOOLEANS),
  CREDWATCH_ACCOUNT_ID_ATTRIBUTE: oneOf(BOOLEANS),
  CREDWATCH_AWS_SDK_INSTRUMENTATION: oneOf(BOOLEANS),
  CREDWATCH_REPORT: (value) => (value.trim() ? undefined : 'expected "stderr" or a file path'),
  CREDWATCH_SHUTDOWN_TIMEOUT: milliseconds,
  CREDWATCH_LAMBDA_FLUSH_TIMEOUT: milliseconds,
  CREDWATCH_RECOVER: oneOf(BOOLEANS),
  CREDWATCH_REFRESH_BEFORE: (value) =>
    parseRefreshBefore(refreshBefore(value)) === undefined
      ? 'expected seconds above 0 (900), a duration (15m, 90s, 1h) or a share of the session (25%)'
      : undefined,
};

/** Plain digits are seconds, as the instrumentation's number form; anything else is passed on as written. */
function refreshBefore(value: string): number | string {
  const text = value.trim();
  return /^\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

/** Every variable `readConfig` validates. */
export const VALIDATED_VARIABLES: readonly string[] = Object.keys(RULES);

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5000;
const DEFAULT_LAMBDA_FLUSH_TIMEOUT_MS = 1000;

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
  if (problems.length === 0) problems.push(...missingExporters(env));
  if (problems.length > 0) throw new ConfigError(problems);

  const flag = (name: string, fallback: boolean) => {
    const value = env[name]?.trim().toLowerCase();
    return value ? value === 'true' : fallback;
  };
  const services = env.CREDWATCH_SERVICES ? splitList(env.CREDWATCH_SERVICES, false) : undefined;
  const report = env.CREDWATCH_REPORT?.trim() || undefined;
  const ahead = env.CREDWATCH_REFRESH_BEFORE?.trim()
    ? refreshBefore(env.CREDWATCH_REFRESH_BEFORE)
    : undefined;
  return {
    disabled: flag('OTEL_SDK_DISABLED', false),
    ...(services ? { services } : {}),
    accessKeyFingerprint: flag('CREDWATCH_ACCESS_KEY_FINGERPRINT', false),
    accountIdAttribute: flag('CREDWATCH_ACCOUNT_ID_ATTRIBUTE', false),
    awsSdkInstrumentation: flag('CREDWATCH_AWS_SDK_INSTRUMENTATION', true),
    recover: flag('CREDWATCH_RECOVER', false),
    ...(report ? { report } : {}),
    shutdownTimeoutMs: Number(env.CREDWATCH_SHUTDOWN_TIMEOUT || DEFAULT_SHUTDOWN_TIMEOUT_MS),
    lambdaFlushTimeoutMs: Number(env.CREDWATCH_LAMBDA_FLUSH_TIMEOUT || DEFAULT_LAMBDA_FLUSH_TIMEOUT_MS),
    ...(ahead === undefined ? {} : { refreshBefore: ahead }),
  };
}

/** The exporters the configuration selects whose optional package is not installed, named by variable. */
function missingExporters(env: Env): string[] {
  const needs: [variable: string, value: string, pkg: string][] = [];
  const grpcPackages: readonly string[] = [
    OPTIONAL_PACKAGES.traceGrpc,
    OPTIONAL_PACKAGES.metricsGrpc,
    OPTIONAL_PACKAGES.logsGrpc,
  ];
  for (const signal of ['TRACES', 'METRICS', 'LOGS'] as const) {
    const pkg = otlpExporterPackage(env, signal);
    if (!grpcPackages.includes(pkg) || !selectedExporters(env, signal).includes('otlp')) continue;
    const variable = env[`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`]
      ? `OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`
      : 'OTEL_EXPORTER_OTLP_PROTOCOL';
    needs.push([variable, 'grpc', pkg]);
  }
  if (selectedExporters(env, 'TRACES').includes('zipkin'))
    needs.push(['OTEL_TRACES_EXPORTER', 'zipkin', OPTIONAL_PACKAGES.zipkin]);
  return needs.flatMap(([variable, value, pkg]) => {
    const install = missingPackage(pkg);
    return install === undefined
      ? []
      : [`${variable} selects ${value}, which needs ${pkg} next to @credwatch/auto: ${install}`];
  });
}

/**
 * The exporters `OTEL_<SIGNAL>_EXPORTER` selects (values validated by `readConfig`): `otlp` when unset, none
 * when it says `none`.
 */
export function selectedExporters(env: Env, signal: 'TRACES' | 'METRICS' | 'LOGS'): string[] {
  const requested = [...new Set(splitList(env[`OTEL_${signal}_EXPORTER`] ?? ''))];
  return requested.length === 0 ? ['otlp'] : requested.includes('none') ? [] : requested;
}

/** A comma-separated variable as trimmed, non-empty items. */
export function splitList(value: string, lowerCase = true): string[] {
  return value
    .split(',')
    .map((item) => (lowerCase ? item.trim().toLowerCase() : item.trim()))
    .filter((item) => item !== '');
}
