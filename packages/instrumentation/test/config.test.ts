import type { Emulator } from '@credwatch/emulator';
import { isolateAwsEnvironment } from '@credwatch/test-support';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsCredentialsInstrumentation, type AwsCredentialsInstrumentationConfig } from '../src/index.js';
import { harness } from './harness.js';
import { putObject, s3Client, sdk, startEmulatorWithBucket, total } from './helpers.js';

const telemetry = harness();
let emulator: Emulator;
let bucket: string;

beforeAll(async () => {
  ({ emulator, bucket } = await startEmulatorWithBucket('config'));
  isolateAwsEnvironment();
  Object.assign(process.env, emulator.env('env'));
});
afterAll(() => emulator.stop());

describe('configuration', () => {
  it.each([
    [{ services: 'S3' }, 'config.services must be an array of SDK service ids'],
    [{ services: ['S3', ''] }, 'config.services must be an array of SDK service ids'],
    [{ accessKeyFingerprint: 'yes' }, 'config.accessKeyFingerprint must be a boolean, got "yes"'],
    [{ refreshHook: 42 }, 'config.refreshHook must be a function, got 42'],
    [{ rejectionHook: {} }, 'config.rejectionHook must be a function, got {}'],
    [{ findingHook: 'log' }, 'config.findingHook must be a function, got "log"'],
    [{ enabled: 'true' }, 'config.enabled must be a boolean, got "true"'],
    [[], "config must be an object such as { services: ['S3'] }, got []"],
    [null, "config must be an object such as { services: ['S3'] }, got null"],
    ['S3', 'config must be an object such as { services: [\'S3\'] }, got "S3"'],
    [
      { service: ['S3'] },
      'config.service is not a setting; the settings are enabled, services, accessKeyFingerprint, accountIdAttribute, localRefreshSpans, recover, refreshBefore, refreshHook, rejectionHook, findingHook',
    ],
  ])('rejects %j naming the setting', (config, message) => {
    expect(
      () => new AwsCredentialsInstrumentation(config as unknown as AwsCredentialsInstrumentationConfig),
    ).toThrow(message);
    expect(() =>
      telemetry.instrumentation.setConfig(config as unknown as AwsCredentialsInstrumentationConfig),
    ).toThrow(message);
  });

  it('any value of any setting is refused naming that setting, or is of the documented type', () => {
    const documented: Record<string, (value: unknown) => boolean> = {
      enabled: (value) => typeof value === 'boolean',
      services: (value) =>
        Array.isArray(value) &&
        value.every((service) => typeof service === 'string' && service.trim() !== ''),
      accessKeyFingerprint: (value) => typeof value === 'boolean',
      accountIdAttribute: (value) => typeof value === 'boolean',
      localRefreshSpans: (value) => typeof value === 'boolean',
      refreshHook: (value) => typeof value === 'function',
      rejectionHook: (value) => typeof value === 'function',
      findingHook: (value) => typeof value === 'function',
    };
    const setting = fc.constantFrom(...Object.keys(documented));
    const value = fc.oneof(fc.anything(), fc.array(fc.string()), fc.func(fc.anything()), fc.boolean());
    fc.assert(
      fc.property(setting, value, (name, candidate) => {
        let refusal: unknown;
        try {
          telemetry.instrumentation.setConfig({ [name]: candidate } as AwsCredentialsInstrumentationConfig);
        } catch (error) {
          refusal = error;
        } finally {
          telemetry.instrumentation.setConfig({});
        }
        const valid = documented[name]?.(candidate) === true || candidate === undefined;
        if (valid) expect(refusal).toBeUndefined();
        else {
          expect(refusal).toBeInstanceOf(TypeError);
          expect((refusal as TypeError).message).toContain(`config.${name} must be`);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('services: watches only the listed services (refreshes still recorded)', async () => {
    telemetry.instrumentation.setConfig({ services: ['STS'] });
    const credentials = sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } });
    await putObject(s3Client(emulator, { credentials }), bucket);
    const signings = await telemetry.counter('aws.credentials.signings');
    expect(signings.map((point) => point.attributes['rpc.service'])).toEqual(['STS']);
    expect((await telemetry.histogram('aws.credentials.refresh.duration')).length).toBe(1);
  });

  it('accessKeyFingerprint: the last four characters of the key, on spans only', async () => {
    telemetry.instrumentation.setConfig({ accessKeyFingerprint: true });
    const credentials = sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } });
    const s3 = s3Client(emulator, { credentials });
    await putObject(s3, bucket);
    emulator.faults.requireRefresh();
    await expect(putObject(s3, bucket)).rejects.toMatchObject({ name: 'TokenRefreshRequired' });
    emulator.faults.clear();
    const [span] = telemetry.spans('aws.credentials.rejection');
    const session = emulator.issuedCredentials().at(-1);
    expect(span?.attributes['aws.credentials.key_fingerprint']).toBe(session?.accessKeyId.slice(-4));
    expect(span?.attributes['aws.credentials.key_fingerprint']).toHaveLength(4);
    const points = await telemetry.counter('aws.credentials.rejections');
    expect(points.map((point) => Object.keys(point.attributes).sort())).toEqual([
      ['aws.credentials.expiry_state', 'aws.credentials.source', 'error.type', 'rpc.service'],
    ]);
  });

  it('a meter provider set later takes over: instruments are recreated', async () => {
    const s3 = s3Client(emulator, { credentials: emulator.longTermKey });
    await putObject(s3, bucket);
    const { MetricReader } = await import('@opentelemetry/sdk-metrics');
    class Reader extends MetricReader {
      protected override async onForceFlush() {}
      protected override async onShutdown() {}
    }
    const reader = new Reader();
    telemetry.instrumentation.setMeterProvider(new MeterProvider({ readers: [reader] }));
    await putObject(s3, bucket);
    const { resourceMetrics } = await reader.collect();
    const signings = resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .filter((metric) => metric.descriptor.name === 'aws.credentials.signings');
    expect(signings.flatMap((metric) => metric.dataPoints.map((point) => point.value))).toEqual([1]);
    expect(resourceMetrics.scopeMetrics.map((scope) => scope.scope.name)).toEqual([
      '@credwatch/instrumentation',
    ]);
  });

  it('disable() stops recording; enable() resumes, for clients created before', async () => {
    const s3 = s3Client(emulator, { credentials: emulator.longTermKey });
    await putObject(s3, bucket);
    telemetry.instrumentation.disable();
    await putObject(s3, bucket);
    telemetry.instrumentation.enable();
    await putObject(s3, bucket);
    expect(total(await telemetry.counter('aws.credentials.signings'))).toBe(2);
  });
});
