import { afterAll, beforeEach } from 'vitest';
import { assertNoSecretsEmitted } from './canary.js';
import { harness } from './harness.js';

const telemetry = harness();

beforeEach(() => telemetry.reset());
afterAll(async () => {
  await assertNoSecretsEmitted(telemetry);
});
