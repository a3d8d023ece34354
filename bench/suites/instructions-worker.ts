// One configuration of the instructions suite: `n` GetObjects through the in-process handler, then exit. Run
// under callgrind by the suite, which counts the instructions of two such runs of different lengths. No
// timers: metrics are collected every COLLECT_EVERY requests instead of every few seconds of wall time, which
// under callgrind (and on a loaded machine) would vary from run to run. That is far more often than an
// application's reader collects (every 60 s by default), so what credwatch defers to collection is counted
// in full.
import { inProcessClientConfig } from '../lib/in-process-handler.js';
import { type Config, loadSdk, setUpTelemetry } from '../lib/telemetry.js';

const COLLECT_EVERY = 100;
const telemetry = setUpTelemetry({ timers: false });
telemetry.use(process.argv[2] as Config);
const n = Number(process.argv[3]);
const { s3 } = loadSdk();
const client = new s3.S3Client(inProcessClientConfig());
for (let i = 0; i < n; i++) {
  const output = await client.send(new s3.GetObjectCommand({ Bucket: 'bench', Key: 'small.txt' }));
  await output.Body?.transformToString();
  if ((i + 1) % COLLECT_EVERY === 0) await telemetry.reader.collect();
}
// What each configuration recorded, as a check that it measured what it says.
process.stdout.write(
  `${JSON.stringify({ signings: await telemetry.signings(), spans: telemetry.spans.spans })}\n`,
);
await telemetry.shutdown();
