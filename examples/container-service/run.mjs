// Starts the emulator and the service (under @credwatch/auto, Prometheus exporter on), sends a few requests,
// makes S3 demand a refresh of the container's session, and shows what a Prometheus scrape of the service sees.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startEmulator } from '@credwatch/emulator';

const emulator = await startEmulator({ tokenLifetime: '1h' });
const s3 = new S3Client({
  region: emulator.region,
  endpoint: emulator.endpoint,
  forcePathStyle: true,
  credentials: emulator.longTermKey,
});
await s3.send(new CreateBucketCommand({ Bucket: 'reports' }));
await s3.send(
  new PutObjectCommand({ Bucket: 'reports', Key: 'daily.csv', Body: 'day,uploads\nmonday,42\n' }),
);

const metricsPort = await freePort();
const service = spawn(process.execPath, ['--require', '@credwatch/auto/register', 'server.cjs'], {
  cwd: import.meta.dirname,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: {
    ...process.env,
    ...emulator.env('container'),
    PORT: '0',
    REPORTS_BUCKET: 'reports',
    OTEL_SERVICE_NAME: 'reports-service',
    OTEL_TRACES_EXPORTER: process.env.OTEL_TRACES_EXPORTER ?? 'none',
    OTEL_METRICS_EXPORTER: 'prometheus',
    OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
    OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
  },
});
const [line] = await once(service.stdout, 'data');
const url = /http:\/\/\S+/.exec(String(line))?.[0];
console.log(`reports-service ${url}, credentials from the container endpoint ${emulator.urls.container}\n`);

for (let n = 1; n <= 3; n++) await get(`${url}/reports/daily.csv`);
console.log(
  'S3 now wants every session issued so far refreshed (the container credentials are still in date)',
);
emulator.faults.requireRefresh();
await get(`${url}/reports/daily.csv`);

const scrape = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
console.log(`\nwhat Prometheus scrapes from http://127.0.0.1:${metricsPort}/metrics (credwatch's series):`);
for (const sample of scrape
  .split('\n')
  .filter((text) =>
    /^aws_credentials_(signings_total|rejections_total|refresh_duration_count|time_to_expiry_count)/.test(
      text,
    ),
  )) {
  console.log(`  ${sample.replace(/,?otel_scope_(name|version|schema_url)="[^"]*"/g, '')}`);
}

service.kill('SIGTERM');
await once(service, 'close');
await emulator.stop();

async function get(target) {
  const response = await fetch(target);
  console.log(
    `GET ${new URL(target).pathname} -> ${response.status} ${(await response.text()).trim().split('\n')[0]}`,
  );
}

async function freePort() {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  probe.close();
  return port;
}
