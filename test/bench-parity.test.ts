import { join } from 'node:path';
import { runNode, sealedEnvironment } from '@credwatch/test-support';
import { expect, it } from 'vitest';

// The benchmark's parity suite is also a correctness check: credwatch must not add one credential-provider
// invocation, STS call or IMDS call. Cheap enough to run with the tests, not only with `pnpm bench`.
it('credwatch adds no provider invocation, STS or IMDS call across refresh boundaries', async () => {
  const run = await runNode(['--import', 'tsx', 'suites/parity.ts'], {
    cwd: join(import.meta.dirname, '..', 'bench'),
    env: sealedEnvironment({}),
  });
  expect(run.code).toBe(0);
  const { results, requests } = JSON.parse(run.stdout.trim().split('\n').at(-1) as string);
  expect(requests).toBe(301);
  for (const route of ['assume_role', 'imds']) {
    expect(results[route]['+ credwatch']).toEqual(results[route]['bare SDK']);
  }
  expect(results.assume_role['bare SDK']).toEqual({
    providerInvocations: 2,
    stsAssumeRole: 2,
    imdsCalls: 0,
    s3Requests: 301,
  });
  expect(results.imds['bare SDK']).toEqual({
    providerInvocations: 2,
    stsAssumeRole: 0,
    imdsCalls: 6,
    s3Requests: 301,
  });
});
