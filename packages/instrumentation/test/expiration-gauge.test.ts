import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { withEnv } from '@credwatch/test-support';
import { describe, expect, it } from 'vitest';
import { harness } from './harness.js';
import { bucket, emulator, lastIssued, putObject, s3Client, sdk, useEmulator } from './helpers.js';

// aws.credentials.expiration: when the credentials each live client would sign with next expire, the earliest
// per source, service and refreshability, read at collection.
const telemetry = harness();
useEmulator('expiration');

const gauge = async () =>
  (await telemetry.counter('aws.credentials.expiration')).map((point) => [point.attributes, point.value]);

/** Collects garbage (a few rounds, with time for sockets to go idle): clients no test holds are gone after. */
async function dropEveryClient(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let round = 0; round < 10; round++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    gc();
  }
}

describe('aws.credentials.expiration', () => {
  it('a refreshing provider: its session’s expiry, refreshable', async () => {
    await withEnv(emulator.env('env'), async () => {
      const s3 = s3Client(emulator, {
        credentials: sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } }),
      });
      await putObject(s3, bucket);
      expect(await gauge()).toEqual([
        [
          {
            'aws.credentials.source': 'assume_role',
            'rpc.service': 'S3',
            'aws.credentials.refreshable': true,
          },
          lastIssued(emulator, 'sts:AssumeRole').expiration.getTime() / 1000,
        ],
      ]);
    });
  });

  it('key triples handed to clients: the earliest expiry, not refreshable; no point without an expiration', async () => {
    await dropEveryClient();
    const { accessKeyId, secretAccessKey } = emulator.longTermKey;
    const soon = new Date(Date.now() + 10 * 60_000);
    const later = new Date(Date.now() + 50 * 60_000);
    const clients = [soon, later].map((expiration) =>
      s3Client(emulator, {
        credentials: { accessKeyId, secretAccessKey, sessionToken: 'cached', expiration },
      }),
    );
    const longTerm = s3Client(emulator, { credentials: emulator.longTermKey });
    for (const client of [...clients, longTerm]) await putObject(client, bucket).catch(() => undefined);
    expect(await gauge()).toEqual([
      [
        { 'aws.credentials.source': 'static', 'rpc.service': 'S3', 'aws.credentials.refreshable': false },
        soon.getTime() / 1000,
      ],
      // The first test's client is gone: its set reports 0 (see the last test).
      [
        { 'aws.credentials.source': 'assume_role', 'rpc.service': 'S3', 'aws.credentials.refreshable': true },
        0,
      ],
    ]);
  });

  it('holds a client weakly: a dropped client is collected', async () => {
    const clients: WeakRef<object>[] = [];
    await (async () => {
      const { accessKeyId, secretAccessKey } = emulator.longTermKey;
      const expiration = new Date(Date.now() + 2 * 60_000);
      const s3 = s3Client(emulator, { credentials: { accessKeyId, secretAccessKey, expiration } });
      clients.push(new WeakRef(s3));
      await putObject(s3, bucket);
    })();
    const sources = (await telemetry.counter('aws.credentials.expiration')).map(
      (point) => point.attributes['aws.credentials.source'],
    );
    expect(sources).toContain('static');
    await dropEveryClient();
    expect(clients[0]?.deref()).toBeUndefined();
  });

  it('an attribute set no live client has any more reports 0, not its last expiry', async () => {
    await dropEveryClient();
    const expiration = new Date(Date.now() + 7 * 60_000);
    const attributes = {
      'aws.credentials.source': 'static',
      'rpc.service': 'S3',
      'aws.credentials.refreshable': false,
    };
    await (async () => {
      const { accessKeyId, secretAccessKey } = emulator.longTermKey;
      const s3 = s3Client(emulator, { credentials: { accessKeyId, secretAccessKey, expiration } });
      await putObject(s3, bucket);
      expect(await gauge()).toContainEqual([attributes, expiration.getTime() / 1000]);
    })();
    await dropEveryClient();
    // sdk-metrics would export the last value again (open-telemetry/opentelemetry-js#4096): credwatch overwrites it.
    expect(await gauge()).toContainEqual([attributes, 0]);
    expect((await gauge()).filter(([, value]) => value !== 0)).toEqual([]);
  });
});

describe('aws.credentials.clients', () => {
  const clients = async () =>
    (await telemetry.counter('aws.credentials.clients')).map((point) => [point.attributes, point.value]);

  it('one series without attributes: the live instrumented clients, 0 once none is left', async () => {
    await dropEveryClient();
    expect(await clients()).toEqual([[{}, 0]]);
    const s3 = s3Client(emulator, { credentials: emulator.longTermKey });
    await putObject(s3, bucket);
    expect(await clients()).toEqual([[{}, 1]]);
  });
});
