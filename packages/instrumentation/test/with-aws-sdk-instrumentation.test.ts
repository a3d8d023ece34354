import type { Emulator } from '@credwatch/emulator';
import { isolateAwsEnvironment } from '@credwatch/test-support';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { harness } from './harness.js';
import { putObject, s3Client, sdk, startEmulatorWithBucket } from './helpers.js';

// Enabled before this file's imports load the SDK (vi.hoisted runs first): require hooks see only later loads.
await vi.hoisted(async () => {
  const { AwsInstrumentation } = await import('@opentelemetry/instrumentation-aws-sdk');
  const { harness: telemetryHarness } = await import('./harness.js');
  new AwsInstrumentation().setTracerProvider(telemetryHarness().tracerProvider);
});

const telemetry = harness();
let emulator: Emulator;
let bucket: string;

beforeAll(async () => {
  ({ emulator, bucket } = await startEmulatorWithBucket('aws-sdk'));
});
afterAll(() => emulator.stop());
beforeEach(() => {
  isolateAwsEnvironment();
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
});
