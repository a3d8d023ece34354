import { withEnv } from '@credwatch/test-support';
import { beforeEach, describe, expect, it } from 'vitest';
import { harness } from './harness.js';
import {
  bucket,
  emulator,
  eventually,
  lastIssued,
  moveClockTo,
  putObject,
  s3Client,
  total,
  useEmulator,
} from './helpers.js';

// The default chain refreshes in the background inside the window and swallows the failure
// (memoizeChain's `.catch(() => {})`): credwatch is how an operator learns of it.
const telemetry = harness();
useEmulator('background');

beforeEach(() => {
  emulator.faults.clear();
  emulator.stats.reset();
});

async function refreshOutcomes() {
  return (await telemetry.histogram('aws.credentials.refresh.duration')).map((point) => ({
    ...point.attributes,
    count: point.count,
  }));
}

describe('a failed background refresh', () => {
  it('IMDS answering 500 inside the window: counted with its error.type while requests keep succeeding', async () => {
    await withEnv(emulator.env('imds'), async () => {
      const s3 = s3Client(emulator);
      await putObject(s3, bucket);
      const first = lastIssued(emulator, 'imds');

      emulator.faults.failNext('imds:credentials', { type: 'error', status: 500 }, 2);
      moveClockTo(first.expiration.getTime() - 4 * 60_000);
      await putObject(s3, bucket, 'during-failure-1');
      await eventually(async () => (await refreshOutcomes()).length === 2);
      await putObject(s3, bucket, 'during-failure-2');
      await eventually(async () => emulator.faults.pending()['imds:credentials'] === undefined);
      await eventually(
        async () => (await refreshOutcomes()).reduce((sum, point) => sum + point.count, 0) === 3,
      );

      expect(await refreshOutcomes()).toEqual([
        { 'aws.credentials.source': 'imds', 'aws.credentials.refresh.trigger': 'initial', count: 1 },
        {
          'aws.credentials.source': 'imds',
          'aws.credentials.refresh.trigger': 'background',
          'error.type': 'ProviderError',
          count: 2,
        },
      ]);
      // Both requests went out on the old credentials, still in date: the application saw nothing.
      expect(
        total(await telemetry.counter('aws.credentials.signings'), {
          'aws.credentials.source': 'imds',
          'aws.credentials.expiry_state': 'refresh_window',
        }),
      ).toBe(2);
      expect(lastIssued(emulator, 'imds').accessKeyId).toBe(first.accessKeyId);

      const failed = telemetry.spans('aws.credentials.refresh').filter((span) => span.status.code === 2);
      expect(failed.map((span) => span.status.message)).toEqual([undefined, undefined]);
      expect(
        failed.map((span) => [
          span.attributes['error.type'],
          span.attributes['aws.credentials.refresh.trigger'],
        ]),
      ).toEqual([
        ['ProviderError', 'background'],
        ['ProviderError', 'background'],
      ]);
    });
  });

  it('the container endpoint answering 500 inside the window', async () => {
    await withEnv(emulator.env('container'), async () => {
      const s3 = s3Client(emulator);
      await putObject(s3, bucket);
      const first = lastIssued(emulator, 'container');
      // fromHttp tries 4 times (1 s apart), then the chain falls back to fromContainerMetadata once.
      emulator.faults.failNext('container', { type: 'error', status: 500 }, 5);
      moveClockTo(first.expiration.getTime() - 4 * 60_000);
      await putObject(s3, bucket, 'during-failure');
      await eventually(async () => (await refreshOutcomes()).length === 3, 15_000);

      // Two providers fetched and failed, so two refresh attempts: fromHttp (its own retries included) and
      // the legacy fromContainerMetadata the chain falls back to.
      expect(await refreshOutcomes()).toEqual([
        { 'aws.credentials.source': 'container', 'aws.credentials.refresh.trigger': 'initial', count: 1 },
        {
          'aws.credentials.source': 'container',
          'aws.credentials.refresh.trigger': 'background',
          'error.type': 'CredentialsProviderError',
          count: 1,
        },
        {
          'aws.credentials.source': 'container',
          'aws.credentials.refresh.trigger': 'background',
          'error.type': 'ProviderError',
          count: 1,
        },
      ]);
      expect(emulator.stats.calls('container')).toBe(6);
      expect(emulator.stats.calls('s3')).toBe(2);
      expect(emulator.stats.errors()).toBe(5);
    });
  });
});
