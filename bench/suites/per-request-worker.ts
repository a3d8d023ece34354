// One configuration of the per-request suite, in a process of its own for the whole run: instrumentations
// are enabled once, before the SDK loads, and never toggled (toggling re-wraps Client.prototype.send, which
// both instrumentations patch, and distorts the result). The driver sends batches; the worker answers with
// the CPU and wall time per request.
import { inProcessClientConfig } from '../lib/in-process-handler.js';
import { type Config, loadSdk, setUpTelemetry } from '../lib/telemetry.js';

const telemetry = setUpTelemetry();
telemetry.use(process.argv[2] as Config);
const { s3 } = loadSdk();

type Client = InstanceType<typeof s3.S3Client>;
export type WorkerRequest =
  | { kind: 'batch'; target: 'inProcess' | 'loopback'; operation: 'GetObject' | 'PutObject'; n: number }
  | { kind: 'loopback'; endpoint: string; region: string; accessKeyId: string; secretAccessKey: string }
  | { kind: 'finish' };

const clients: Partial<Record<'inProcess' | 'loopback', Client>> = {
  inProcess: new s3.S3Client(inProcessClientConfig()),
};

async function send(client: Client, operation: 'GetObject' | 'PutObject'): Promise<void> {
  if (operation === 'PutObject') {
    await client.send(
      new s3.PutObjectCommand({ Bucket: 'bench', Key: 'small.txt', Body: 'a small object\n' }),
    );
    return;
  }
  const output = await client.send(new s3.GetObjectCommand({ Bucket: 'bench', Key: 'small.txt' }));
  await output.Body?.transformToString();
}

process.on('message', async (request: WorkerRequest) => {
  if (request.kind === 'loopback') {
    // Signed with the emulator's long-term key (it verifies every signature), handed over with an
    // expiration so credwatch has a time to expiry to record, as with a session.
    const identity = {
      accessKeyId: request.accessKeyId,
      secretAccessKey: request.secretAccessKey,
      expiration: new Date(Date.now() + 3600_000),
    };
    clients.loopback = new s3.S3Client({
      region: request.region,
      endpoint: request.endpoint,
      forcePathStyle: true,
      credentials: async () => identity,
    });
    process.send?.({ ready: true });
  } else if (request.kind === 'batch') {
    const client = clients[request.target] as Client;
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < request.n; i++) await send(client, request.operation);
    const used = process.cpuUsage(cpu);
    process.send?.({
      cpuUs: (used.user + used.system) / request.n,
      wallUs: ((performance.now() - start) * 1000) / request.n,
    });
  } else {
    process.send?.({ signings: await telemetry.signings(), spans: telemetry.spans.spans });
    await telemetry.shutdown();
    process.disconnect();
  }
});
process.send?.({ ready: true });
