import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { harness } from './harness.js';
import { bucket, emulator, putObject, s3Client, sdk, useConfigFiles, useEmulator } from './helpers.js';

// Enabled before this file's imports load the SDK (vi.hoisted runs first): require hooks see only later loads.
await vi.hoisted(async () => {
  const { AwsInstrumentation } = await import('@opentelemetry/instrumentation-aws-sdk');
  const { harness: telemetryHarness } = await import('./harness.js');
  new AwsInstrumentation().setTracerProvider(telemetryHarness().tracerProvider);
});

const telemetry = harness();
useEmulator('aws-sdk');

beforeEach(() => {
  Object.assign(process.env, emulator.env('env'));
  emulator.faults.clear();
});

function only(name: string): ReadableSpan {
  const spans = telemetry.spans(name);
  expect(spans.map((span) => span.name)).toEqual([name]);
  return spans[0] as ReadableSpan;
}

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

describe('together with @opentelemetry/instrumentation-aws-sdk', () => {
  it('recover: true puts the outcome on the operation span that was rejected and sent again', async () => {
    telemetry.instrumentation.setConfig({ recover: true });
    try {
      const credentials = sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } });
      const s3 = s3Client(emulator, { credentials });
      await putObject(s3, bucket, 'before');
      emulator.faults.requireRefresh();
      telemetry.exporter.reset();
      await putObject(s3, bucket, 'recovered');
    } finally {
      telemetry.instrumentation.setConfig({});
    }
    const put = only('S3.PutObject');
    expect(put.attributes['aws.credentials.recovery.outcome']).toBe('recovered');
    expect(put.status.code).not.toBe(2);
  });

  it("puts the credential attributes on its S3.PutObject span and nests the refresh's AssumeRole", async () => {
    const credentials = sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } });
    await putObject(s3Client(emulator, { credentials }), bucket);

    const put = only('S3.PutObject');
    expect(put.attributes).toMatchObject({
      'rpc.system': 'aws-api',
      'aws.s3.bucket': bucket,
      'aws.credentials.source': 'assume_role',
      'aws.credentials.expiry_state': 'valid',
    });
    expect(put.attributes['aws.credentials.time_to_expiry']).toBeGreaterThan(3598);
    expect(put.attributes['aws.credentials.time_to_expiry']).toBeLessThanOrEqual(3600);

    const refresh = only('aws.credentials.refresh');
    const assumeRole = only('STS.AssumeRole');
    expect(parentOf(refresh)).toBe(put.spanContext().spanId);
    expect(parentOf(assumeRole)).toBe(refresh.spanContext().spanId);
    expect(refresh.attributes['aws.credentials.source']).toBe('assume_role');
    // The STS call signs with the source credentials: recorded on its own span.
    expect(assumeRole.attributes['aws.credentials.source']).toBe('env');
    expect(
      telemetry
        .spans()
        .map((span) => span.name)
        .sort(),
    ).toEqual(['S3.PutObject', 'STS.AssumeRole', 'aws.credentials.refresh']);
  });

  it('records a rejection on the operation span, not on a span of its own', async () => {
    const s3 = s3Client(emulator, {
      credentials: sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } }),
    });
    await putObject(s3, bucket, 'before');
    telemetry.exporter.reset();
    emulator.faults.requireRefresh();
    await expect(putObject(s3, bucket, 'after')).rejects.toMatchObject({ name: 'TokenRefreshRequired' });

    const put = only('S3.PutObject');
    expect(put.attributes['error.type']).toBe('TokenRefreshRequired');
    expect(put.events.map((event) => event.name)).toEqual(['aws.credentials.rejected', 'exception']);
    expect(telemetry.spans('aws.credentials.rejection')).toEqual([]);
  });

  describe('coexistence: exactly these spans, by where the credentials come from', () => {
    const names = () =>
      telemetry
        .spans()
        .map((span) => span.name)
        .sort();

    it('env, through the default chain: the operation span only (the read is counted, not traced)', async () => {
      await putObject(s3Client(emulator), bucket);
      expect(names()).toEqual(['S3.PutObject']);
      expect(only('S3.PutObject').attributes['aws.credentials.source']).toBe('env');
      const refreshes = await telemetry.histogram('aws.credentials.refresh.duration');
      expect(refreshes.map((point) => [point.attributes, point.count])).toEqual([
        [{ 'aws.credentials.source': 'env', 'aws.credentials.refresh.trigger': 'initial' }, 1],
      ]);
    });

    it("a profile's static keys, through the default chain: the operation span only", async () => {
      const { accessKeyId, secretAccessKey } = emulator.longTermKey;
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      useConfigFiles(
        '',
        `[default]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}\n`,
      );
      await putObject(s3Client(emulator), bucket);
      expect(names()).toEqual(['S3.PutObject']);
      expect(only('S3.PutObject').attributes['aws.credentials.source']).toBe('profile');
    });

    it('the container endpoint, through the default chain: a refresh span under the operation', async () => {
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      Object.assign(process.env, emulator.env('container'));
      await putObject(s3Client(emulator), bucket);
      expect(names()).toEqual(['S3.PutObject', 'aws.credentials.refresh']);
      expect(parentOf(only('aws.credentials.refresh'))).toBe(only('S3.PutObject').spanContext().spanId);
    });

    it('localRefreshSpans: true traces the local read too', async () => {
      telemetry.instrumentation.setConfig({ localRefreshSpans: true });
      await putObject(s3Client(emulator), bucket);
      expect(names()).toEqual(['S3.PutObject', 'aws.credentials.refresh']);
      expect(only('aws.credentials.refresh').attributes['aws.credentials.source']).toBe('env');
    });

    it("leaves the peer's own span attributes and events as they are, adding only aws.credentials.*", async () => {
      /** The operation span of one PutObject and one rejected PutObject, without per-request ids. */
      const operationSpans = async () => {
        telemetry.exporter.reset();
        const s3 = s3Client(emulator, {
          credentials: sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } }),
        });
        await putObject(s3, bucket, 'same-key');
        emulator.faults.requireRefresh();
        await expect(putObject(s3, bucket, 'same-key')).rejects.toMatchObject({
          name: 'TokenRefreshRequired',
        });
        emulator.faults.clear();
        return telemetry.spans('S3.PutObject').map((span) => ({
          kind: span.kind,
          status: span.status,
          attributes: Object.fromEntries(
            Object.entries(span.attributes).filter(([name]) => !/request\.(extended_)?id$/.test(name)),
          ),
          events: span.events.map((event) => ({ name: event.name, attributes: event.attributes })),
        }));
      };
      Object.assign(process.env, emulator.env('env'));
      telemetry.instrumentation.disable();
      const without = await operationSpans();
      telemetry.instrumentation.enable();
      const withCredwatch = await operationSpans();

      // Documented in docs/telemetry.md: the aws.credentials.* attributes and event, and error.type on a rejection.
      const ours = (name: string) => name.startsWith('aws.credentials.') || name === 'error.type';
      const strip = (spans: typeof without) =>
        spans.map((span) => ({
          ...span,
          attributes: Object.fromEntries(Object.entries(span.attributes).filter(([name]) => !ours(name))),
          events: span.events.filter((event) => !ours(event.name)),
        }));
      expect(without).toHaveLength(2);
      expect(strip(withCredwatch)).toEqual(without);
      expect(
        Object.keys(withCredwatch[0]?.attributes ?? {})
          .filter(ours)
          .sort(),
      ).toEqual(['aws.credentials.expiry_state', 'aws.credentials.source', 'aws.credentials.time_to_expiry']);
      expect(
        Object.keys(withCredwatch[1]?.attributes ?? {})
          .filter(ours)
          .sort(),
      ).toEqual([
        'aws.credentials.expiry_state',
        'aws.credentials.source',
        'aws.credentials.time_to_expiry',
        'error.type',
      ]);
      expect(withCredwatch[1]?.attributes['error.type']).toBe('TokenRefreshRequired');
      expect(withCredwatch[1]?.events.map((event) => event.name)).toEqual([
        'aws.credentials.rejected',
        'exception',
      ]);
    });
  });
});
