import { findSecrets } from '@credwatch/test-support';
import { describe, expect, it } from 'vitest';
import { secretsIssued } from './canary.js';
import { harness } from './harness.js';
import { putObject, s3Client, sdk, startWatchedEmulator } from './helpers.js';

// The canary itself (setup.ts runs it after every test file): it must see a secret wherever one lands.
describe('the secret canary', () => {
  it('finds a planted session token in a span attribute, and nothing in real telemetry', async () => {
    const emulator = await startWatchedEmulator({ tokenLifetime: '1h' });
    Object.assign(process.env, emulator.env('env'));
    const credentials = sdk.providers.fromTemporaryCredentials({ params: { RoleArn: emulator.roleArn } });
    const s3 = s3Client(emulator, { credentials });
    await s3.send(new sdk.s3.CreateBucketCommand({ Bucket: 'canary' }));
    emulator.faults.requireRefresh();
    await expect(putObject(s3, 'canary')).rejects.toMatchObject({ name: 'TokenRefreshRequired' });
    await emulator.stop();

    const secrets = secretsIssued();
    const session = emulator.issuedCredentials().find((issued) => issued.sessionToken);
    expect(secrets).toContain(session?.sessionToken);
    expect(secrets).toContain(session?.secretAccessKey);

    const telemetry = harness();
    const spansText = telemetry.everything.spans.map((span) => JSON.stringify(span.attributes));
    expect(telemetry.everything.spans.length).toBeGreaterThan(0);
    expect(findSecrets(spansText, secrets)).toEqual([]);

    expect(findSecrets([JSON.stringify({ leak: `x${session?.sessionToken}x` })], secrets)).toHaveLength(1);
  });
});
