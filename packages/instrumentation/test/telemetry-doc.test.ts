import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Emulator } from '@credwatch/emulator';
import { markdownTable, withEnv } from '@credwatch/test-support';
import { type Histogram, InstrumentType } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as semconv from '../src/semconv.js';
import { harness } from './harness.js';
import { lastIssued, putObject, s3Client, sdk, startEmulatorWithBucket } from './helpers.js';

// docs/telemetry.md is the authority for every name credwatch emits: its tables are held to semconv.ts and
// to the instruments the instrumentation really creates, as a MeterProvider collects them.

const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'telemetry.md'), 'utf8');

/** The rows of the first Markdown table under `heading`, each cell stripped of backticks. */
const table = (heading: string) => markdownTable(doc, heading);

const list = (cell: string) => cell.split(',').map((value) => value.trim());

const attributes = new Map(table('Attributes').map(([name, ...rest]) => [name as string, rest]));
const metrics = new Map(table('Metrics').map(([name, ...rest]) => [name as string, rest]));
const constants = (prefix: string) =>
  Object.entries(semconv)
    .filter(([name]) => name.startsWith(prefix))
    .map(([, value]) => value as string)
    .sort();

describe('docs/telemetry.md and semconv.ts', () => {
  it('lists exactly the attributes semconv.ts names', () => {
    expect([...attributes.keys()].sort()).toEqual(constants('ATTR_'));
  });

  it('gives every enum attribute the values the code uses', () => {
    const values = (name: string) => list(attributes.get(name)?.[1] ?? '');
    expect(values(semconv.ATTR_AWS_CREDENTIALS_SOURCE)).toEqual([...semconv.CREDENTIAL_SOURCE_VALUES]);
    expect(values(semconv.ATTR_AWS_CREDENTIALS_EXPIRY_STATE)).toEqual([...semconv.EXPIRY_STATE_VALUES]);
    expect(values(semconv.ATTR_AWS_CREDENTIALS_REFRESH_TRIGGER)).toEqual([...semconv.REFRESH_TRIGGER_VALUES]);
    expect(values(semconv.ATTR_ERROR_TYPE)).toEqual([...semconv.REJECTION_ERROR_TYPE_VALUES]);
    const sources = table('Sources').map(([value]) => value);
    expect(sources).toEqual([...semconv.CREDENTIAL_SOURCE_VALUES]);
  });

  it('gives every attribute a type and a stability', () => {
    for (const [name, [type, , stability]] of attributes) {
      expect(['string', 'boolean', 'int', 'double'], name).toContain(type);
      expect(['stable', 'development'], name).toContain(stability);
    }
  });

  it('lists exactly the metrics semconv.ts names, and the time-to-expiry buckets', () => {
    expect([...metrics.keys()].sort()).toEqual(constants('METRIC_'));
    expect(doc).toContain(`advice: \`${semconv.TIME_TO_EXPIRY_BUCKETS.join(', ')}\``);
    expect(doc).toContain(`advice: \`${semconv.REFRESH_DURATION_BUCKETS.join(', ')}\``);
  });
});

describe('docs/telemetry.md and what a MeterProvider collects', () => {
  const telemetry = harness();
  let emulator: Emulator;
  let bucket: string;
  beforeAll(async () => {
    ({ emulator, bucket } = await startEmulatorWithBucket('doc'));
  });
  afterAll(() => emulator.stop());

  it('each metric has the documented instrument, unit, attributes and buckets', async () => {
    // One of everything: a refresh, signings, a rejection and a failed refresh.
    await withEnv(emulator.env('env'), async () => {
      const assumeRole = () =>
        sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } });
      const s3 = s3Client(emulator, { credentials: assumeRole() });
      await putObject(s3, bucket);
      // A finding: a session's keys kept without their expiration.
      const { accessKeyId, secretAccessKey, sessionToken } = lastIssued(emulator, 'sts:AssumeRole');
      await putObject(
        s3Client(emulator, { credentials: { accessKeyId, secretAccessKey, sessionToken } }),
        bucket,
      );
      emulator.faults.requireRefresh();
      await expect(putObject(s3, bucket)).rejects.toThrow('The provided token must be refreshed.');
      emulator.faults.failNext('sts:AssumeRole', {
        type: 'error',
        status: 403,
        code: 'AccessDenied',
        message: 'not allowed',
      });
      await expect(putObject(s3Client(emulator, { credentials: assumeRole() }), bucket)).rejects.toThrow(
        'not allowed',
      );
      // And a recovery credwatch has to skip: a streaming body under recover: true.
      telemetry.instrumentation.setConfig({ recover: true });
      const recovering = s3Client(emulator, { credentials: assumeRole() });
      await putObject(recovering, bucket);
      emulator.faults.requireRefresh();
      const body = Readable.from([Buffer.from('s')]);
      await expect(
        recovering.send(
          new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: 's', Body: body, ContentLength: 1 }),
        ),
      ).rejects.toThrow('The provided token must be refreshed.');
      telemetry.instrumentation.setConfig({});
    });
    const collected = (await telemetry.collect()).scopeMetrics.flatMap((scope) => scope.metrics);
    const INSTRUMENTS: Partial<Record<InstrumentType, string>> = {
      [InstrumentType.HISTOGRAM]: 'Histogram',
      [InstrumentType.COUNTER]: 'Counter',
      [InstrumentType.OBSERVABLE_COUNTER]: 'Asynchronous Counter',
      [InstrumentType.OBSERVABLE_GAUGE]: 'Asynchronous Gauge',
      [InstrumentType.OBSERVABLE_UP_DOWN_COUNTER]: 'Asynchronous UpDownCounter',
    };
    const described = collected.map(({ descriptor, dataPoints }) => [
      descriptor.name,
      // The SDK passes the instrument's descriptor through, type included, though MetricDescriptor omits it.
      INSTRUMENTS[(descriptor as typeof descriptor & { type: InstrumentType }).type],
      descriptor.unit,
      [...new Set(dataPoints.flatMap((point) => Object.keys(point.attributes)))].sort(),
    ]);
    const documented = [...metrics].map(([name, [instrument, unit, attributeList]]) => [
      name,
      instrument,
      unit,
      attributeList === 'none'
        ? []
        : // Opt-in attributes are off in this run.
          list((attributeList ?? '').replace(/ \((failures|skipped) only\)/, ''))
            .filter((name) => !name.endsWith('(opt-in)'))
            .sort(),
    ]);
    expect(described.sort()).toEqual(documented.sort());

    const timeToExpiry = collected.find(({ descriptor }) => descriptor.name === semconv.METRIC_TIME_TO_EXPIRY)
      ?.dataPoints[0]?.value as Histogram;
    expect(timeToExpiry.buckets.boundaries).toEqual(semconv.TIME_TO_EXPIRY_BUCKETS);
  });
});
