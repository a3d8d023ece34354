// `pnpm demo:lambda` (`node --import tsx run.mjs`; tsx for the test helper that builds the runtime client): both handlers as Lambda functions, each under AWS's
// runtime interface client with NODE_OPTIONS="--require @credwatch/auto/register", invoked 300 times, 100 ms
// apart, frozen between invocations. Sessions live 5 min 20 s and S3 wants them refreshed after 25 s: the SDK's
// window opens 20 s into a session, so half a minute shows what a warm runtime does over an hour.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, startLambdaFunction } from '@credwatch/emulator';
import { awsLambdaRic } from '@credwatch/test-support';

const INVOCATIONS = Number(process.env.INVOCATIONS ?? 300);
const INTERVAL_MS = 100;
const HANDLERS = {
  cached: 'keeps AssumeRole output in a global across invocations',
  refreshing: 'keeps one client with fromTemporaryCredentials',
};

const ric = await awsLambdaRic();
const emulator = await startEmulator({ tokenLifetime: '320s', refreshRequiredAfter: '25s' });
const bucket = 'lambda-example';
emulator.createBucket(bucket);
const reports = mkdtempSync(join(tmpdir(), 'credwatch-lambda-example-'));

console.log(
  `credwatch Lambda example: ${INVOCATIONS} invocations per function, ${INTERVAL_MS} ms apart, frozen in between`,
);
console.log(`emulator on ${emulator.endpoint}: sessions live 5 min 20 s, S3 wants a refresh after 25 s\n`);

const results = await Promise.all(
  Object.keys(HANDLERS).map(async (name) => {
    const fn = await startLambdaFunction({
      command: [process.execPath, ric],
      taskRoot: join(import.meta.dirname, 'functions'),
      handler: `${name}.handler`,
      functionName: `${name}-handler`,
      env: {
        // The execution role's session, as Lambda provides it, is played here by the emulator's keys.
        ...emulator.env('env'),
        ROLE_ARN: emulator.roleArn,
        BUCKET: bucket,
        NODE_OPTIONS: '--require @credwatch/auto/register',
        OTEL_TRACES_EXPORTER: process.env.OTEL_TRACES_EXPORTER ?? 'none',
        OTEL_METRICS_EXPORTER: process.env.OTEL_METRICS_EXPORTER ?? 'none',
        CREDWATCH_REPORT: join(reports, `${name}.json`),
      },
    });
    const { initMs } = await fn.initialized;
    const errors = new Map();
    let ok = 0;
    for (let n = 1; n <= INVOCATIONS; n++) {
      const result = await fn.invoke({ n });
      if (result.ok) ok++;
      else errors.set(result.errorType, (errors.get(result.errorType) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
    }
    await fn.stop(); // SIGTERM, as Lambda shuts a sandbox down: credwatch writes its report
    return {
      name,
      initMs,
      ok,
      errors,
      report: JSON.parse(readFileSync(join(reports, `${name}.json`), 'utf8')),
    };
  }),
);
await emulator.stop();

for (const { name, initMs, ok, errors, report } of results) {
  console.log(`${name}: ${HANDLERS[name]}`);
  console.log(`  init:        ${initMs.toFixed(0)} ms`);
  console.log(
    `  invocations: ${ok} of ${INVOCATIONS} succeeded` +
      (errors.size > 0
        ? `; failed: ${[...errors].map(([type, count]) => `${type} ${count}`).join(', ')}`
        : ''),
  );
  const refreshes = report.refreshes.reduce((total, row) => total + row.count, 0);
  console.log(
    `  refreshes:   ${refreshes} (${report.refreshes.map((row) => `${row.source}/${row.trigger} ${row.count}`).join(', ')})`,
  );
  console.log(
    `  rejections:  ${report.rejections.map((row) => `${row.errorType} ${row.count}`).join(', ') || 'none'}`,
  );
  console.log(`  findings:    ${report.findings.map((finding) => finding.kind).join(', ') || 'none'}`);
  for (const finding of report.findings) console.log(`    ${finding.message}\n    fix: ${finding.fix}`);
  console.log('');
}
