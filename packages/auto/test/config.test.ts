import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../src/index.js';
import { credwatchInstrumentations } from '../src/instrumentations.js';

function problems(env: Record<string, string>): readonly string[] {
  try {
    readConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('readConfig accepted the environment');
}

describe('readConfig', () => {
  it('defaults: SDK on, aws-sdk spans on, no fingerprint, no report, 5 s exit flush, 1 s Lambda flush', () => {
    expect(readConfig({})).toEqual({
      disabled: false,
      accessKeyFingerprint: false,
      accountIdAttribute: false,
      awsSdkInstrumentation: true,
      recover: false,
      shutdownTimeoutMs: 5000,
      lambdaFlushTimeoutMs: 1000,
    });
  });

  it('reads the credwatch variables', () => {
    expect(
      readConfig({
        CREDWATCH_SERVICES: ' S3, STS ,',
        CREDWATCH_ACCESS_KEY_FINGERPRINT: 'TRUE',
        CREDWATCH_ACCOUNT_ID_ATTRIBUTE: 'true',
        CREDWATCH_AWS_SDK_INSTRUMENTATION: 'false',
        CREDWATCH_REPORT: 'stderr',
        CREDWATCH_SHUTDOWN_TIMEOUT: '250',
        CREDWATCH_LAMBDA_FLUSH_TIMEOUT: '300',
        CREDWATCH_REFRESH_BEFORE: ' 15m ',
        CREDWATCH_RECOVER: 'true',
        OTEL_SDK_DISABLED: 'true',
      }),
    ).toEqual({
      disabled: true,
      services: ['S3', 'STS'],
      accessKeyFingerprint: true,
      accountIdAttribute: true,
      awsSdkInstrumentation: false,
      report: 'stderr',
      shutdownTimeoutMs: 250,
      lambdaFlushTimeoutMs: 300,
      refreshBefore: '15m',
      recover: true,
    });
    expect(readConfig({ CREDWATCH_REFRESH_BEFORE: '900' }).refreshBefore).toBe(900);
    expect(readConfig({ CREDWATCH_REFRESH_BEFORE: '25%' }).refreshBefore).toBe('25%');
  });

  it('hands CREDWATCH_REFRESH_BEFORE to the instrumentation as written (plain digits as seconds)', () => {
    for (const [value, expected] of [
      ['15m', '15m'],
      ['900', 900],
    ] as const) {
      const [credwatch] = credwatchInstrumentations(
        readConfig({ CREDWATCH_REFRESH_BEFORE: value, CREDWATCH_AWS_SDK_INSTRUMENTATION: 'false' }),
      );
      credwatch?.disable();
      expect(credwatch?.getConfig()).toMatchObject({ refreshBefore: expected });
    }
  });

  it('accepts every documented exporter, protocol and level, and ignores empty values', () => {
    expect(() =>
      readConfig({
        OTEL_TRACES_EXPORTER: 'otlp,console',
        OTEL_METRICS_EXPORTER: 'prometheus, otlp',
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example:4318',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer x,tenant=a',
        OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=batch,deployment.environment.name=prod',
        OTEL_LOG_LEVEL: 'DEBUG',
        OTEL_EXPORTER_PROMETHEUS_PORT: '9464',
        OTEL_METRIC_EXPORT_INTERVAL: '15000',
        OTEL_METRIC_EXPORT_TIMEOUT: '2147483647',
        OTEL_EXPORTER_PROMETHEUS_HOST: '::',
        OTEL_SERVICE_NAME: '',
      }),
    ).not.toThrow();
  });

  it('names every invalid variable at once, with what was expected', () => {
    expect(
      problems({
        OTEL_TRACES_EXPORTER: 'jaeger',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'localhost:4318',
        OTEL_EXPORTER_PROMETHEUS_PORT: '70000',
        OTEL_LOG_LEVEL: 'loud',
        OTEL_SDK_DISABLED: '1',
        OTEL_RESOURCE_ATTRIBUTES: 'team',
        CREDWATCH_SERVICES: ' , ',
        CREDWATCH_SHUTDOWN_TIMEOUT: '0',
        CREDWATCH_REFRESH_BEFORE: '15 minutes',
      }),
    ).toEqual([
      'OTEL_SDK_DISABLED="1": expected one of true, false',
      'OTEL_LOG_LEVEL="loud": expected one of none, error, warn, info, debug, verbose, all',
      'OTEL_RESOURCE_ATTRIBUTES="team": expected key=value pairs separated by commas, got "team"',
      'OTEL_TRACES_EXPORTER="jaeger": unknown jaeger; expected otlp, console, zipkin, none',
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="localhost:4318": expected an http:// or https:// URL',
      'OTEL_EXPORTER_PROMETHEUS_PORT="70000": expected a port number from 0 to 65535',
      'CREDWATCH_SERVICES=" , ": expected service ids separated by commas, e.g. S3,STS',
      'CREDWATCH_SHUTDOWN_TIMEOUT="0": expected a whole number of milliseconds from 1 to 2147483647 (the longest timer Node.js runs)',
      'CREDWATCH_REFRESH_BEFORE="15 minutes": expected seconds above 0 (900), a duration (15m, 90s, 1h) or a share of the session (25%)',
    ]);
  });

  it('puts every problem in the message, one per line', () => {
    expect(() => readConfig({ OTEL_METRICS_EXPORTER: 'statsd', OTEL_METRIC_EXPORT_INTERVAL: '-1' })).toThrow(
      'credwatch: invalid configuration\n' +
        '  OTEL_METRICS_EXPORTER="statsd": unknown statsd; expected otlp, prometheus, console, none\n' +
        '  OTEL_METRIC_EXPORT_INTERVAL="-1": expected a whole number of milliseconds from 1 to 2147483647 (the longest timer Node.js runs)',
    );
  });

  it.each([
    ['OTEL_METRIC_EXPORT_INTERVAL', '2147483648'],
    ['OTEL_METRIC_EXPORT_TIMEOUT', '99999999999'],
    ['OTEL_EXPORTER_OTLP_TIMEOUT', '99999999999'],
    ['OTEL_EXPORTER_OTLP_METRICS_TIMEOUT', '2147483648'],
    ['OTEL_BSP_SCHEDULE_DELAY', '2147483648'],
    ['OTEL_BSP_EXPORT_TIMEOUT', '2147483648'],
    ['CREDWATCH_SHUTDOWN_TIMEOUT', '99999999999'],
  ])('%s=%s is refused: Node would run that timer after 1 ms', (name, value) => {
    expect(problems({ [name]: value })).toEqual([
      `${name}="${value}": expected a whole number of milliseconds from 1 to 2147483647 (the longest timer Node.js runs)`,
    ]);
    expect(() => readConfig({ [name]: '2147483647' })).not.toThrow();
  });

  it.each(['0.0.0.0', '127.0.0.1', '::', '::1', 'localhost', 'metrics.internal'])(
    'OTEL_EXPORTER_PROMETHEUS_HOST=%s is a host',
    (host) => {
      expect(() => readConfig({ OTEL_EXPORTER_PROMETHEUS_HOST: host })).not.toThrow();
    },
  );

  it.each(['not a host', 'http://0.0.0.0', '0.0.0.0:9464', '-bad.example'])(
    'OTEL_EXPORTER_PROMETHEUS_HOST=%s is not',
    (host) => {
      expect(problems({ OTEL_EXPORTER_PROMETHEUS_HOST: host })).toEqual([
        `OTEL_EXPORTER_PROMETHEUS_HOST=${JSON.stringify(host)}: expected a host name or an IP address of this machine, e.g. 0.0.0.0, 127.0.0.1 or ::`,
      ]);
    },
  );

  it('accepts OTLP headers HTTP can send, percent-decoded as the exporters decode them', () => {
    expect(() =>
      readConfig({
        OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Basic%20dXNlcjpwYXNz,x-scope-orgid=tenant-1',
        OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'api-key=a=b%3Bc',
      }),
    ).not.toThrow();
  });

  it.each([
    [
      'Authorization=Bearer ü',
      'the value of Authorization must be visible ASCII once percent-decoded (HTTP cannot send it otherwise)',
    ],
    [
      'x-cost=%E2%82%AC',
      'the value of x-cost must be visible ASCII once percent-decoded (HTTP cannot send it otherwise)',
    ],
    ['bad name=1', 'expected name=value pairs, got "bad name" as a header name'],
    ['token', 'expected name=value pairs, got "token"'],
    ['x-a=%E2%82', '"x-a" is not valid percent-encoding'],
    ['x-a=1;2', 'the value of x-a contains ";", which ends it; write it as %3B'],
  ])('OTEL_EXPORTER_OTLP_HEADERS=%s is refused: %s', (value, problem) => {
    expect(problems({ OTEL_EXPORTER_OTLP_HEADERS: value })).toEqual([
      `OTEL_EXPORTER_OTLP_HEADERS=${JSON.stringify(value)}: ${problem}`,
    ]);
  });

  it('validates the sampler, propagators and resource detectors it honours', () => {
    expect(() =>
      readConfig({
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
        OTEL_PROPAGATORS: 'tracecontext,baggage',
        OTEL_NODE_RESOURCE_DETECTORS: 'env,host',
      }),
    ).not.toThrow();
    expect(
      problems({
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_TRACES_SAMPLER_ARG: '2',
        OTEL_PROPAGATORS: 'b3',
        OTEL_NODE_RESOURCE_DETECTORS: 'gcp',
      }),
    ).toEqual([
      'OTEL_TRACES_SAMPLER="sometimes": expected one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio',
      'OTEL_TRACES_SAMPLER_ARG="2": expected a ratio from 0 to 1, e.g. 0.25',
      'OTEL_PROPAGATORS="b3": unknown b3; expected tracecontext, baggage, none',
      'OTEL_NODE_RESOURCE_DETECTORS="gcp": unknown gcp; expected env, host, os, process, serviceinstance, all, none',
    ]);
  });
});
