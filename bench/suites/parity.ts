// Credential-provider parity: the same requests across several refresh boundaries, with and without credwatch.
// credwatch must not add a single provider invocation, STS call or IMDS call.
import { type Emulator, startEmulator } from '@credwatch/emulator';
import { installShiftedClock } from '../lib/shifted-clock.js';
import { report } from '../lib/stats.js';
import { type Config, loadSdk, setUpTelemetry } from '../lib/telemetry.js';

const clock = installShiftedClock();
const telemetry = setUpTelemetry();
const { s3, providers } = loadSdk();
const REQUESTS = 300;
const ADVANCE_EVERY = 50;
// One-hour sessions, 19 minutes at a time: the third step lands inside the SDK's 5-minute refresh window.
const ADVANCE_MS = 19 * 60_000;

type Route = 'assume_role' | 'imds';

function provider(route: Route, emulator: Emulator) {
  if (route === 'imds') {
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = emulator.urls.imds;
    return providers.fromInstanceMetadata();
  }
  return providers.fromTemporaryCredentials({
    params: { RoleArn: emulator.roleArn },
    masterCredentials: emulator.longTermKey,
    clientConfig: { endpoint: emulator.urls.sts, region: emulator.region },
  });
}

async function run(config: Config, route: Route) {
  const emulator = await startEmulator({ tokenLifetime: '1h' });
  telemetry.use(config);
  const inner = provider(route, emulator);
  let invocations = 0;
  const client = new s3.S3Client({
    region: emulator.region,
    endpoint: emulator.endpoint,
    forcePathStyle: true,
    credentials: async (options?: object) => {
      invocations++;
      return inner(options);
    },
  });
  await client.send(new s3.CreateBucketCommand({ Bucket: 'parity' }));
  for (let n = 1; n <= REQUESTS; n++) {
    await client.send(new s3.PutObjectCommand({ Bucket: 'parity', Key: `k${n % 10}`, Body: 'x' }));
    if (n % ADVANCE_EVERY === 0) clock.advance(ADVANCE_MS);
  }
  const calls = emulator.stats.snapshot().calls;
  await emulator.stop();
  return {
    providerInvocations: invocations,
    stsAssumeRole: calls['sts:AssumeRole'] ?? 0,
    imdsCalls: (calls['imds:token'] ?? 0) + (calls['imds:credentials'] ?? 0) + (calls['imds:role'] ?? 0),
    s3Requests: Object.entries(calls)
      .filter(([action]) => action.startsWith('s3:'))
      .reduce((total, [, count]) => total + count, 0),
  };
}

const results: Record<string, Record<string, unknown>> = {};
for (const route of ['assume_role', 'imds'] as const) {
  results[route] = {
    'bare SDK': await run('bare SDK', route),
    '+ credwatch': await run('+ credwatch', route),
  };
}
report({
  requests: REQUESTS + 1,
  clockAdvances: REQUESTS / ADVANCE_EVERY,
  results,
  signingsRecorded: await telemetry.signings(),
});
await telemetry.shutdown();
