import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsLambdaRic } from '@credwatch/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LambdaFunction, startLambdaFunction } from '../src/index.js';

// The Runtime API with AWS's own runtime interface client (aws-lambda-ric, built from the registry package)
// and a real freeze: the process is stopped between invocations, as Lambda stops it.
let ric: string;
let fn: LambdaFunction;

beforeAll(async () => {
  ric = await awsLambdaRic();
  fn = await startLambdaFunction({
    command: [process.execPath, ric],
    taskRoot: join(import.meta.dirname, 'fixtures', 'lambda'),
    handler: 'index.handler',
  });
  await fn.initialized;
}, 300_000);
afterAll(() => fn?.stop());

/** The process's state letter from /proc: `T` is stopped. */
const processState = (pid: number) => /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];

describe('the Lambda Runtime API', () => {
  it('hands each invocation to the runtime and returns its response, in order', async () => {
    const results = [];
    for (const n of [1, 2, 3]) results.push(await fn.invoke({ n }));
    expect(results.map((result) => (result.ok ? result.response : result.error))).toEqual([
      { echo: { n: 1 }, pid: fn.pid },
      { echo: { n: 2 }, pid: fn.pid },
      { echo: { n: 3 }, pid: fn.pid },
    ]);
    expect(new Set(results.map((result) => result.requestId)).size).toBe(3);
  });

  it('freezes the runtime once it has posted a response, and thaws it for the next invocation', async () => {
    const marker = join(tmpdir(), `credwatch-lambda-freeze-${process.pid}`);
    await fn.invoke({ afterResponse: marker });
    expect(fn.frozen).toBe(true);
    expect(processState(fn.pid as number)).toBe('T');
    // The handler's 50 ms timer cannot fire while the process is stopped.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(existsSync(marker)).toBe(false);
    await fn.invoke({ n: 4 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    // It fired during the next invocation, or right after it: the process ran again.
    const deadline = Date.now() + 2000;
    while (!existsSync(marker) && Date.now() < deadline) {
      await fn.invoke({ n: 5 });
    }
    expect(existsSync(marker)).toBe(true);
  });

  it('reports a handler error as the runtime posts it, and goes on', async () => {
    const failed = await fn.invoke({ fail: 'no' });
    expect(failed).toMatchObject({
      ok: false,
      errorType: 'TypeError',
      error: { errorType: 'TypeError', errorMessage: 'failing as asked: no' },
    });
    expect(await fn.invoke({ n: 6 })).toMatchObject({ ok: true, response: { echo: { n: 6 } } });
  });
});
