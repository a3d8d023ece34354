import type { Emulator } from '@credwatch/emulator';
import { uniqueBucket } from '@credwatch/test-support';
import { metrics as olderApiMetrics, trace as olderApiTrace } from '@opentelemetry/api-1.9';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Client, sdk, startWatchedEmulator } from './helpers.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startWatchedEmulator({ tokenLifetime: '1h' });
});
afterAll(() => emulator.stop());

describe('an application whose providers credwatch cannot see', () => {
  it('warns once, naming both @opentelemetry/api versions, instead of recording nothing silently', async () => {
    // The application registered its providers first, with an older api (1.9.1) than credwatch's (1.10.0):
    // the newer api refuses to read an older minor's registration. This file runs in its own worker, so
    // clearing the harness's registration first only affects it.
    delete (globalThis as Record<symbol, unknown>)[Symbol.for('opentelemetry.js.api.1')];
    expect(olderApiMetrics.setGlobalMeterProvider(new MeterProvider())).toBe(true);
    expect(olderApiTrace.setGlobalTracerProvider(new TracerProvider())).toBe(true);

    const warnings: Error[] = [];
    const listen = (warning: Error) => warnings.push(warning);
    process.on('warning', listen);
    try {
      const bucket = uniqueBucket('mismatch');
      const s3 = s3Client(emulator, { credentials: emulator.longTermKey });
      await s3.send(new sdk.s3.CreateBucketCommand({ Bucket: bucket }));
      await s3Client(emulator, { credentials: emulator.longTermKey }).send(
        new sdk.s3.PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }),
      );
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listen);
    }
    expect(warnings.map((warning) => [warning.name, (warning as { code?: string }).code])).toEqual([
      ['CredwatchWarning', 'CREDWATCH_API_MISMATCH'],
    ]);
    expect(warnings[0]?.message).toContain('registered with @opentelemetry/api 1.9.1');
    expect(warnings[0]?.message).toContain('credwatch loaded @opentelemetry/api 1.10.0');
  });
});
