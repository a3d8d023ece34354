// The signing path alone: a middleware stack holding just a signer (which resolves the credentials, as SigV4
// does at every attempt) and a terminal handler, resolved and invoked once per call as a `send` does, with
// and without credwatch. The difference is what credwatch adds per signing attempt: its credentials
// wrapper, its observer middleware and the metric records.
import { createRequire } from 'node:module';
import { instrumentClient } from '@credwatch/instrumentation';
import { sessionCredentials } from '../lib/in-process-handler.js';
import { median, report } from '../lib/stats.js';
import { setUpTelemetry } from '../lib/telemetry.js';

const telemetry = setUpTelemetry();
telemetry.use('+ credwatch');
// The stack implementation the S3 client itself uses.
const fromClient = createRequire(createRequire(import.meta.url).resolve('@aws-sdk/client-s3'));
type Args = { request: { headers: Record<string, string> }; input: object };
type Handler = (args: Args) => Promise<unknown>;
interface Stack {
  add(middleware: (next: Handler) => Handler, options: { step: string; name: string }): void;
  resolve(handler: Handler, context: object): Handler;
}
const { constructStack } = fromClient('@smithy/middleware-stack') as { constructStack(): Stack };

function fakeClient(instrumented: boolean) {
  const config = { serviceId: 'S3', credentials: sessionCredentials() };
  const middlewareStack = constructStack();
  middlewareStack.add(
    (next) => async (args) => {
      const identity = await config.credentials();
      args.request.headers.authorization = `AWS4-HMAC-SHA256 Credential=${identity.accessKeyId}/20261121/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0`;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'httpSigningMiddleware' },
  );
  const client = { config, middlewareStack };
  if (instrumented) instrumentClient(client);
  const terminal: Handler = async () => ({ output: {}, response: { statusCode: 200, headers: {} } });
  return () =>
    middlewareStack.resolve(terminal, { clientName: 'S3Client', commandName: 'PutObjectCommand' })({
      input: {},
      request: { headers: {} },
    });
}

async function nsPerCall(call: () => Promise<unknown>, n: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await call();
  return Number(process.hrtime.bigint() - start) / n;
}

const bare = fakeClient(false);
const observed = fakeClient(true);
const N = 20_000;
await nsPerCall(bare, N);
await nsPerCall(observed, N);
const samples = { bare: [] as number[], credwatch: [] as number[] };
for (let round = 0; round < 25; round++) {
  samples.bare.push(await nsPerCall(bare, N));
  samples.credwatch.push(await nsPerCall(observed, N));
}
const signings = await telemetry.signings();
report({
  bareNs: median(samples.bare),
  credwatchNs: median(samples.credwatch),
  addedNs: median(samples.credwatch) - median(samples.bare),
  signingsRecorded: signings,
  calls: (25 + 1) * N,
});
await telemetry.shutdown();
