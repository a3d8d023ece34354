import {
  PACKAGE_VERSION,
  REFRESH_DURATION_BUCKETS,
  TIME_TO_EXPIRY_BUCKETS,
} from '@credwatch/instrumentation';
import { emulatorSecrets, findSecrets } from '@credwatch/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BARE,
  emulator,
  fixtureEnv,
  LOADER,
  type ModuleSystem,
  otlpTo,
  REJECTED_RUN,
  rejectNextGet,
  runFixture,
  useFixtureEmulator,
} from './helpers.js';
import { OtlpReceiver, type ReceivedMetric, type ReceivedSpan } from './otlp-receiver.js';

const SCOPE = '@credwatch/instrumentation';
const SPAN_KIND_INTERNAL = 1;
const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;

useFixtureEmulator();

/** Runs the fixture app under credwatch with OTLP into a fresh receiver. */
async function exportRun(system: ModuleSystem, protocol: string, args = LOADER[system]) {
  const receiver = await OtlpReceiver.start();
  try {
    rejectNextGet(emulator);
    const run = await runFixture(args, fixtureEnv(emulator, otlpTo(receiver.endpoint, protocol)));
    return { run, receiver };
  } finally {
    await receiver.stop();
  }
}

function points(metric: ReceivedMetric | undefined) {
  return (metric?.points ?? []).map(({ attributes, ...value }) => ({ attributes, ...value }));
}

function span(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const matches = spans.filter((candidate) => candidate.name === name);
  expect(matches, name).toHaveLength(1);
  return matches[0] as ReceivedSpan;
}

describe.each([
  ['cjs', 'http/protobuf', 'application/x-protobuf'],
  ['cjs', 'http/json', 'application/json'],
  ['esm', 'http/protobuf', 'application/x-protobuf'],
  ['esm', 'http/json', 'application/json'],
] as const)('%s app, OTLP %s', (system, protocol, contentType) => {
  let result: Awaited<ReturnType<typeof exportRun>>;
  beforeAll(async () => {
    result = await exportRun(system, protocol);
  });

  it('leaves the app its output and exit code', () => {
    expect(result.run.code).toBe(0);
    expect(result.run.stdout.trim()).toBe(REJECTED_RUN);
    expect(result.receiver.contentTypes).toEqual(new Set([contentType]));
  });

  it('exports the contract metrics with exact values', () => {
    const { receiver } = result;
    const ours = receiver.metrics.filter((metric) => metric.scope === SCOPE);
    expect([...new Set(ours.map((metric) => metric.name))].sort()).toEqual([
      'aws.credentials.clients',
      'aws.credentials.expiration',
      'aws.credentials.refresh.duration',
      'aws.credentials.rejections',
      'aws.credentials.signings',
      'aws.credentials.time_to_expiry',
    ]);
    expect(new Set(ours.map((metric) => metric.scopeVersion))).toEqual(new Set([PACKAGE_VERSION]));
    expect(ours[0]?.resource).toMatchObject({
      'service.name': 'fixture-app',
      'deployment.environment.name': 'test',
    });

    const signings = receiver.metric('aws.credentials.signings');
    expect(signings).toMatchObject({ type: 'sum', monotonic: true, unit: '{signing}' });
    expect(points(signings)).toEqual(
      expect.arrayContaining([
        {
          attributes: {
            'aws.credentials.source': 'assume_role',
            'rpc.service': 'S3',
            'aws.credentials.expiry_state': 'valid',
            'aws.credentials.temporary': true,
          },
          value: 3,
        },
        {
          attributes: {
            'aws.credentials.source': 'env',
            'rpc.service': 'STS',
            'aws.credentials.expiry_state': 'no_expiry',
            'aws.credentials.temporary': false,
          },
          value: 1,
        },
      ]),
    );
    expect(points(signings)).toHaveLength(2);

    const timeToExpiry = receiver.metric('aws.credentials.time_to_expiry');
    expect(timeToExpiry).toMatchObject({ type: 'histogram', unit: 's' });
    const [ttl, ...otherTtl] = points(timeToExpiry);
    expect(otherTtl).toEqual([]);
    expect(ttl?.attributes).toEqual({ 'aws.credentials.source': 'assume_role', 'rpc.service': 'S3' });
    expect(ttl?.explicitBounds).toEqual(TIME_TO_EXPIRY_BUCKETS);
    // Three signings within seconds of a one-hour session: all in the (1800, 3600] bucket.
    expect(ttl?.bucketCounts).toEqual([0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0]);

    const refreshes = receiver.metric('aws.credentials.refresh.duration');
    expect(refreshes).toMatchObject({ type: 'histogram', unit: 's' });
    const [refresh, ...otherRefreshes] = points(refreshes);
    expect(otherRefreshes).toEqual([]);
    expect(refresh?.attributes).toEqual({
      'aws.credentials.source': 'assume_role',
      'aws.credentials.refresh.trigger': 'initial',
    });
    expect(refresh?.count).toBe(1);
    expect(refresh?.explicitBounds).toEqual(REFRESH_DURATION_BUCKETS);

    const rejections = receiver.metric('aws.credentials.rejections');
    expect(rejections).toMatchObject({ type: 'sum', monotonic: true, unit: '{rejection}' });
    expect(points(rejections)).toEqual([
      {
        attributes: {
          'error.type': 'TokenRefreshRequired',
          'aws.credentials.source': 'assume_role',
          'rpc.service': 'S3',
          'aws.credentials.expiry_state': 'valid',
        },
        value: 1,
      },
    ]);
  });

  it('exports the expiry of the credentials the client would sign with next, exactly', () => {
    const expiration = result.receiver.metric('aws.credentials.expiration');
    expect(expiration).toMatchObject({ type: 'gauge', unit: 's' });
    const session = emulator.issuedCredentials().findLast((issued) => issued.issuer === 'sts:AssumeRole');
    expect(points(expiration)).toEqual([
      {
        attributes: {
          'aws.credentials.source': 'assume_role',
          'rpc.service': 'S3',
          'aws.credentials.refreshable': true,
        },
        value: (session?.expiration?.getTime() ?? 0) / 1000,
      },
    ]);
  });

  it('exports operation spans carrying the credential attributes, with the refresh under the first one', () => {
    const { spans } = result.receiver;
    expect(spans.map((candidate) => candidate.name).sort()).toEqual([
      'S3.CreateBucket',
      'S3.GetObject',
      'S3.PutObject',
      'STS.AssumeRole',
      'aws.credentials.refresh',
    ]);
    const createBucket = span(spans, 'S3.CreateBucket');
    const refresh = span(spans, 'aws.credentials.refresh');
    const assumeRole = span(spans, 'STS.AssumeRole');
    expect(refresh).toMatchObject({
      kind: SPAN_KIND_INTERNAL,
      scope: SCOPE,
      parentSpanId: createBucket.spanId,
    });
    expect(refresh.attributes).toMatchObject({
      'aws.credentials.source': 'assume_role',
      'aws.credentials.refresh.trigger': 'initial',
    });
    expect(refresh.attributes['aws.credentials.lifetime']).toBeGreaterThan(3590);
    expect(assumeRole).toMatchObject({ kind: SPAN_KIND_CLIENT, parentSpanId: refresh.spanId });
    expect(assumeRole.attributes['aws.credentials.source']).toBe('env');

    const putObject = span(spans, 'S3.PutObject');
    expect(putObject.attributes).toMatchObject({
      'aws.credentials.source': 'assume_role',
      'aws.credentials.expiry_state': 'valid',
    });
    expect(putObject.attributes['aws.credentials.time_to_expiry']).toBeGreaterThan(3590);

    const getObject = span(spans, 'S3.GetObject');
    expect(getObject.status.code).toBe(STATUS_ERROR);
    expect(getObject.attributes).toMatchObject({
      'aws.credentials.source': 'assume_role',
      'aws.credentials.expiry_state': 'valid',
      'error.type': 'TokenRefreshRequired',
    });
    const rejected = getObject.events.filter((event) => event.name === 'aws.credentials.rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.attributes).toMatchObject({
      'error.type': 'TokenRefreshRequired',
      'aws.credentials.refresh_in_flight': false,
    });
  });

  it('sends no key, secret or token over the wire', () => {
    const wire = result.receiver.rawBodies.map((body) => body.toString('latin1'));
    expect(wire.length).toBeGreaterThan(0);
    expect(findSecrets(wire, emulatorSecrets([emulator]))).toEqual([]);
  });
});

it('without the import hook, an ESM import of the providers is not wrapped (why --import registers it)', async () => {
  const { run, receiver } = await exportRun('esm', 'http/protobuf', ['--require', ...LOADER.esm.slice(1)]);
  expect(run.stdout.trim()).toBe(REJECTED_RUN);
  // The unwrapped provider's own STS client fetches env credentials as a refresh of their own.
  const sources = points(receiver.metric('aws.credentials.refresh.duration')).map(
    (point) => point.attributes['aws.credentials.source'],
  );
  expect(sources.sort()).toEqual(['assume_role', 'env']);
});

it('a bare run of the same app prints the same outcomes', async () => {
  for (const system of ['cjs', 'esm'] as const) {
    rejectNextGet(emulator);
    const run = await runFixture(BARE[system], fixtureEnv(emulator, {}));
    expect(run).toMatchObject({ code: 0, stdout: `${REJECTED_RUN}\n`, stderr: '' });
  }
});

describe.each(['http/protobuf', 'http/json'])('findings over OTLP %s', (protocol) => {
  it('a cached key triple: one WARN log record with the fix, the event on the operation span, the counter', async () => {
    const receiver = await OtlpReceiver.start();
    try {
      const run = await runFixture(
        LOADER.cjs,
        fixtureEnv(emulator, { ...otlpTo(receiver.endpoint, protocol), FIXTURE_CACHED_TRIPLE: '1' }),
      );
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(receiver.logs).toEqual([
        {
          eventName: 'aws.credentials.finding',
          severityText: 'WARN',
          severityNumber: 13,
          body: expect.stringMatching(
            /^S3 requests are signed with temporary credentials .+ Fix: Give the client/,
          ),
          attributes: expect.objectContaining({
            'aws.credentials.finding.kind': 'temporary_without_expiry',
            'aws.credentials.source': 'static',
            'rpc.service': 'S3',
            'rpc.method': 'CreateBucket',
          }),
          scope: '@credwatch/instrumentation',
        },
      ]);
      const events = receiver.spans.flatMap((received) =>
        received.events.filter((event) => event.name === 'aws.credentials.finding').map(() => received.name),
      );
      expect(events).toEqual(['S3.CreateBucket']);
      expect(points(receiver.metric('aws.credentials.findings')).map((point) => point.value)).toEqual([1]);
      const wire = receiver.rawBodies.map((body) => body.toString('latin1'));
      expect(findSecrets(wire, emulatorSecrets([emulator]))).toEqual([]);
    } finally {
      await receiver.stop();
    }
  });
});
