// One configuration's memory run (started by memory.ts with --expose-gc): create and drop clients, each
// sending a few requests, and compare the heap after full GCs at two checkpoints.
import { inProcessClientConfig } from '../lib/in-process-handler.js';
import { report } from '../lib/stats.js';
import { type Config, loadSdk, setUpTelemetry } from '../lib/telemetry.js';

const config = process.argv[2] as Config;
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 10_000);
const REQUESTS_PER_CLIENT = 10;
const telemetry = setUpTelemetry();
telemetry.use(config);
const { s3 } = loadSdk();
const gc = globalThis.gc as () => void;

async function useAndDropClients(count: number): Promise<void> {
  for (let c = 0; c < count; c++) {
    const client = new s3.S3Client(inProcessClientConfig());
    for (let r = 0; r < REQUESTS_PER_CLIENT; r++) {
      await client.send(new s3.PutObjectCommand({ Bucket: 'bench', Key: `k${r}`, Body: 'a small object\n' }));
    }
  }
}

function heapAfterGc(): number {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

// Warm up: every module, attribute set and instrument exists before the first checkpoint. Retention is the
// heap growth between two checkpoints after full GCs, so one-time growth (caches, JIT) does not count.
await useAndDropClients(200);
const first = Math.floor(CLIENTS / 5);
await useAndDropClients(first);
const before = heapAfterGc();
const start = performance.now();
await useAndDropClients(CLIENTS - first);
const seconds = (performance.now() - start) / 1000;
const after = heapAfterGc();
report({
  config,
  clients: CLIENTS,
  requests: CLIENTS * REQUESTS_PER_CLIENT,
  heapBeforeBytes: before,
  heapAfterBytes: after,
  retainedPerClientBytes: (after - before) / (CLIENTS - first),
  seconds,
});
await telemetry.shutdown();
