// Lambda: init (runtime start to its first request for an invocation) and invocation duration (the Runtime
// API's view: event handed out to response posted) for one handler, under AWS's runtime interface client with
// the emulator freezing the process between invocations, bare and with each register hook. Exporters send
// OTLP over http/protobuf to a loopback receiver that answers at once, so credwatch's per-invocation flush is
// in the numbers; instrumentation-aws-lambda (in auto-instrumentations-node) flushes per invocation too.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startEmulator, startLambdaFunction } from '@credwatch/emulator';
import { awsLambdaRic } from '@credwatch/test-support';
import { median, report } from '../lib/stats.js';

const COLD_STARTS = Number(process.env.BENCH_LAMBDA_COLD_STARTS ?? 5);
const INVOCATIONS = Number(process.env.BENCH_LAMBDA_INVOCATIONS ?? 100);
const TASK_ROOT = fileURLToPath(new URL('../fixtures/lambda', import.meta.url));
const CREDWATCH = '--require @credwatch/auto/register';
const VARIANTS: Record<string, { nodeOptions?: string; backend: 'answering' | 'hanging' }> = {
  'bare handler': { backend: 'answering' },
  [CREDWATCH]: { nodeOptions: CREDWATCH, backend: 'answering' },
  // A backend that never answers: one invocation waits for the flush, the next ones do not.
  [`${CREDWATCH}, backend hanging`]: { nodeOptions: CREDWATCH, backend: 'hanging' },
  '--require @opentelemetry/auto-instrumentations-node/register': {
    nodeOptions: '--require @opentelemetry/auto-instrumentations-node/register',
    backend: 'answering',
  },
};

const receiver = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/x-protobuf' });
    response.end();
  });
});
const hanging = createServer(() => {});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
const endpoints = {
  answering: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
  hanging: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`,
};

const ric = await awsLambdaRic();
const emulator = await startEmulator({ tokenLifetime: '1h' });
const bucket = 'bench-lambda';
emulator.createBucket(bucket);

const samples = new Map(
  Object.keys(VARIANTS).map((name) => [name, { initMs: [] as number[], invocationMs: [] as number[] }]),
);
for (let round = 0; round < COLD_STARTS; round++) {
  for (const [name, { nodeOptions, backend }] of Object.entries(VARIANTS)) {
    const fn = await startLambdaFunction({
      command: [process.execPath, ric],
      taskRoot: TASK_ROOT,
      handler: 'index.handler',
      env: {
        ...emulator.env('env'),
        BENCH_BUCKET: bucket,
        ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoints[backend],
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_SERVICE_NAME: 'bench-lambda',
        OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process',
      },
    });
    const { initMs } = await fn.initialized;
    const sample = samples.get(name);
    sample?.initMs.push(initMs);
    for (let n = 0; n < INVOCATIONS; n++) {
      const result = await fn.invoke({ n });
      if (!result.ok) throw new Error(`${name}: invocation ${n} failed: ${JSON.stringify(result.error)}`);
      if (n > 0) sample?.invocationMs.push(result.durationMs); // the first invocation also loads lazily-required code
    }
    await fn.stop();
  }
}
await emulator.stop();
hanging.closeAllConnections();
await Promise.all([
  new Promise((resolve) => receiver.close(resolve)),
  new Promise((resolve) => hanging.close(resolve)),
]);
report(
  Object.fromEntries(
    [...samples].map(([name, { initMs, invocationMs }]) => [
      name,
      { initMs: median(initMs), invocationMs: median(invocationMs) },
    ]),
  ),
);
