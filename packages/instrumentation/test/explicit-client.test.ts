import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Emulator } from '@credwatch/emulator';
import { isolateAwsEnvironment, uniqueBucket, withEnv } from '@credwatch/test-support';
import { build } from 'rolldown';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { instrumentClient } from '../src/index.js';
import { harness } from './harness.js';
import { count, putObject, s3Client, sdk, startWatchedEmulator, total } from './helpers.js';

const telemetry = harness();
let emulator: Emulator;

/** The SDK inlined into one file, as esbuild or rolldown ship a Lambda handler: require hooks never see it. */
type Bundle = typeof import('@aws-sdk/client-s3') &
  typeof import('@aws-sdk/credential-providers') & {
    /** credwatch inlined into the bundle too: a second copy of the package, with its own module state. */
    instrumentClient: typeof instrumentClient;
  };
let bundled: Bundle;

beforeAll(async () => {
  emulator = await startWatchedEmulator({ tokenLifetime: '1h' });
  // Inside the package, so the bundler resolves the SDK from its node_modules.
  const dir = mkdtempSync(join(import.meta.dirname, '..', 'node_modules', '.credwatch-bundle-'));
  const entry = join(dir, 'entry.mjs');
  writeFileSync(
    entry,
    "export { S3Client, PutObjectCommand, CreateBucketCommand } from '@aws-sdk/client-s3';\n" +
      "export { fromTemporaryCredentials } from '@aws-sdk/credential-providers';\n" +
      `export { instrumentClient } from ${JSON.stringify(join(import.meta.dirname, '..', 'src', 'index.ts'))};\n`,
  );
  await build({
    input: entry,
    platform: 'node',
    cwd: process.cwd(),
    resolve: { mainFields: ['main'], conditionNames: ['node', 'require'] },
    output: { file: join(dir, 'bundle.mjs'), format: 'esm' },
  });
  bundled = (await import(pathToFileURL(join(dir, 'bundle.mjs')).href)) as Bundle;
}, 60_000);
afterAll(() => emulator.stop());
beforeEach(() => isolateAwsEnvironment());

describe('instrumentClient() for code the require hooks cannot reach', () => {
  it('observes a bundled client: signings, time to expiry and the refreshes its provider makes', async () => {
    await withEnv(emulator.env('env'), async () => {
      const s3 = new bundled.S3Client({
        region: emulator.region,
        endpoint: emulator.endpoint,
        forcePathStyle: true,
        credentials: bundled.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } }),
      });
      const bucket = uniqueBucket('bundled');
      await s3.send(new bundled.CreateBucketCommand({ Bucket: bucket }));
      expect(await telemetry.counter('aws.credentials.signings')).toEqual([]);

      expect(instrumentClient(s3)).toBe(s3);
      await s3.send(new bundled.PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'credwatch' }));
      await s3.send(new bundled.PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'credwatch' }));
    });
    // The bundle hides which provider fetched (no factory hook, no feature tag): the source is unknown.
    const signings = await telemetry.counter('aws.credentials.signings');
    expect(signings.map((point) => [point.attributes, point.value])).toEqual([
      [
        {
          'aws.credentials.source': 'unknown',
          'rpc.service': 'S3',
          'aws.credentials.expiry_state': 'valid',
          'aws.credentials.temporary': true,
        },
        2,
      ],
    ]);
    expect(count(await telemetry.histogram('aws.credentials.time_to_expiry'))).toBe(2);
    // Its credentials were fetched before instrumentClient(): seen as new by the client, recorded once.
    expect(count(await telemetry.histogram('aws.credentials.refresh.duration'))).toBe(1);
  });

  it("reaches the enabled instrumentation from another copy of credwatch (a bundle's own instrumentClient)", async () => {
    const s3 = new bundled.S3Client({
      region: emulator.region,
      endpoint: emulator.endpoint,
      forcePathStyle: true,
      credentials: emulator.longTermKey,
    });
    expect(bundled.instrumentClient).not.toBe(instrumentClient);
    expect(bundled.instrumentClient(s3)).toBe(s3);
    await s3.send(new bundled.CreateBucketCommand({ Bucket: uniqueBucket('copy') }));
    const signings = await telemetry.counter('aws.credentials.signings');
    expect(signings.map((point) => [point.attributes['aws.credentials.source'], point.value])).toEqual([
      ['static', 1],
    ]);
  });

  it('warns once, naming the fix, when no instrumentation is enabled, and leaves the client untouched', async () => {
    const warnings: Error[] = [];
    const listen = (warning: Error) => warnings.push(warning);
    process.on('warning', listen);
    telemetry.instrumentation.disable();
    try {
      const s3 = s3Client(emulator, { credentials: emulator.longTermKey });
      expect(instrumentClient(s3)).toBe(s3);
      expect(bundled.instrumentClient(s3)).toBe(s3);
      await new Promise((resolve) => setImmediate(resolve));
      expect(s3.middlewareStack.identify().filter((name) => name.startsWith('credwatch'))).toEqual([]);
    } finally {
      telemetry.instrumentation.enable();
      process.off('warning', listen);
    }
    expect(warnings.map((warning) => [warning.name, (warning as { code?: string }).code])).toEqual([
      ['CredwatchWarning', 'CREDWATCH_NOT_ENABLED'],
    ]);
    expect(warnings[0]?.message).toContain('@credwatch/auto/register');
  });

  it('instruments a client once when the hook and instrumentClient() both reach it', async () => {
    const bucket = uniqueBucket('twice');
    const s3 = s3Client(emulator, { credentials: emulator.longTermKey });
    await s3.send(new sdk.s3.CreateBucketCommand({ Bucket: bucket }));
    instrumentClient(s3);
    telemetry.instrumentation.instrumentClient(s3);
    await putObject(s3, bucket);
    const early = s3Client(emulator, { credentials: emulator.longTermKey });
    instrumentClient(early);
    await putObject(early, bucket);
    expect(total(await telemetry.counter('aws.credentials.signings'))).toBe(3);
  });

  it('observes inside the signing middleware: the stack the SDK copies at every send keeps its entries', async () => {
    const bucket = uniqueBucket('in-place');
    const s3 = s3Client(emulator, { credentials: emulator.longTermKey });
    const untouched = s3Client(emulator, { credentials: emulator.longTermKey }).middlewareStack.identify();
    await s3.send(new sdk.s3.CreateBucketCommand({ Bucket: bucket }));
    expect(s3.middlewareStack.identify()).toEqual(untouched);
    expect(untouched).toContain(
      'httpSigningMiddleware (a.k.a. apiKeyMiddleware,tokenMiddleware,awsAuthMiddleware) - finalizeRequest',
    );
    expect(total(await telemetry.counter('aws.credentials.signings'))).toBe(1);
  });

  it('an application middleware placed like the signing one: a stack entry of its own, and the order kept', async () => {
    const bucket = uniqueBucket('alongside');
    const s3 = s3Client(emulator, { credentials: emulator.longTermKey });
    const seen: string[] = [];
    // Runs between the retry step and the signer: it sees the request unsigned.
    type Args = { request: { headers: Record<string, string> } };
    const appMiddleware = (next: (args: Args) => Promise<unknown>) => (args: Args) => {
      seen.push(args.request.headers.authorization === undefined ? 'unsigned' : 'signed');
      return next(args);
    };
    s3.middlewareStack.addRelativeTo(appMiddleware as never, {
      relation: 'after',
      toMiddleware: 'retryMiddleware',
      name: 'appMiddleware',
    });
    const before = s3.middlewareStack.identify();
    await s3.send(new sdk.s3.CreateBucketCommand({ Bucket: bucket }));
    await putObject(s3, bucket);
    expect(seen).toEqual(['unsigned', 'unsigned']);
    expect(s3.middlewareStack.identify()).toEqual([
      ...before.slice(0, before.findIndex((name) => name.startsWith('httpSigningMiddleware')) + 1),
      'credwatchSigningObserverMiddleware - after httpSigningMiddleware',
      ...before.slice(before.findIndex((name) => name.startsWith('httpSigningMiddleware')) + 1),
    ]);
    expect(total(await telemetry.counter('aws.credentials.signings'))).toBe(2);
  });
});
