import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Emulator } from '@credwatch/emulator';
import { withEnv } from '@credwatch/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { harness } from './harness.js';
import {
  count,
  lastIssued,
  moveClockTo,
  putObject,
  restoreClock,
  s3Client,
  sdk,
  startEmulatorWithBucket,
  total,
} from './helpers.js';

// The soak run: an uploader through hundreds of credential lifetimes on the shared clock, with every count
// exact and the heap flat at the end. `pnpm test:soak` runs 500 lifetimes; `pnpm test` a shortened 40.
const LIFETIMES = Number(process.env.CREDWATCH_SOAK_LIFETIMES ?? 40);
const WARM_UP = Math.min(10, Math.floor(LIFETIMES / 4));
const MINUTE = 60_000;

const telemetry = harness();
let emulator: Emulator;
let bucket: string;

beforeAll(async () => {
  ({ emulator, bucket } = await startEmulatorWithBucket('soak'));
});
afterAll(async () => {
  restoreClock();
  await emulator.stop();
});

/** The heap after a full collection, in bytes. */
function settledHeap(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * One uploader through `lifetimes` credential lifetimes: each lifetime one upload well inside the session and
 * one inside the SDK's 5-minute window, which refreshes. Returns how much the settled heap grew.
 */
async function uploader(lifetimes: number): Promise<number> {
  const s3 = s3Client(emulator, {
    credentials: sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } }),
  });
  await putObject(s3, bucket, 'first');
  let heapAfterWarmUp = 0;
  for (let lifetime = 0; lifetime < lifetimes; lifetime++) {
    const session = lastIssued(emulator, 'sts:AssumeRole');
    moveClockTo(session.expiration.getTime() - 30 * MINUTE);
    await putObject(s3, bucket, 'steady');
    moveClockTo(session.expiration.getTime() - 4 * MINUTE);
    await putObject(s3, bucket, 'renewing');
    // The test's own in-memory copies of the telemetry, not credwatch's, would otherwise grow.
    telemetry.exporter.reset();
    telemetry.everything.spans.length = 0;
    if (lifetime + 1 === WARM_UP) heapAfterWarmUp = settledHeap();
  }
  return settledHeap() - heapAfterWarmUp;
}

it(`${LIFETIMES} credential lifetimes: every refresh and signing counted, the heap flat`, async () => {
  await withEnv(emulator.env('env'), async () => {
    // The same run without credwatch first: the emulator (in this process) keeps every session it issued.
    telemetry.instrumentation.disable();
    const bareGrowth = await uploader(LIFETIMES);
    telemetry.instrumentation.enable();
    emulator.stats.reset();
    const growth = await uploader(LIFETIMES);

    expect(emulator.stats.calls('sts:AssumeRole')).toBe(LIFETIMES + 1);
    const refreshes = await telemetry.histogram('aws.credentials.refresh.duration');
    expect(count(refreshes, { 'aws.credentials.refresh.trigger': 'initial' })).toBe(1);
    expect(count(refreshes, { 'aws.credentials.refresh.trigger': 'expiring' })).toBe(LIFETIMES);
    expect(count(refreshes)).toBe(LIFETIMES + 1);
    const signings = await telemetry.counter('aws.credentials.signings');
    expect(total(signings, { 'rpc.service': 'S3', 'aws.credentials.source': 'assume_role' })).toBe(
      1 + 2 * LIFETIMES,
    );
    expect(total(signings, { 'rpc.service': 'S3', 'aws.credentials.expiry_state': 'refresh_window' })).toBe(
      0,
    );
    expect(total(signings, { 'rpc.service': 'STS' })).toBe(LIFETIMES + 1);
    expect(emulator.stats.calls('s3:PutObject')).toBe(1 + 2 * LIFETIMES);

    const credwatchKiB = (growth - bareGrowth) / 1024;
    console.log(
      `soak: ${LIFETIMES} lifetimes; settled heap grew ${Math.round(bareGrowth / 1024)} KiB without credwatch, ` +
        `${Math.round(growth / 1024)} KiB with it`,
    );
    expect(credwatchKiB).toBeLessThan(512);
  });
}, 600_000);
