// A first look at credential trouble on one machine: the emulator plays STS and S3, a client with a
// refreshing provider keeps working, and a client that cached its AssumeRole output as a raw key triple
// (the anti-pattern from the seeds) meets TokenRefreshRequired and then ExpiredToken.
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { startEmulator } from '@credwatch/emulator';

const emulator = await startEmulator({ tokenLifetime: '1h', refreshRequiredAfter: '45m' });
const sts = { endpoint: emulator.urls.sts, region: emulator.region };
const s3For = (credentials) =>
  new S3Client({ region: emulator.region, endpoint: emulator.endpoint, forcePathStyle: true, credentials });

const refreshingProvider = fromTemporaryCredentials({
  params: { RoleArn: emulator.roleArn, RoleSessionName: 'refreshing-worker' },
  masterCredentials: emulator.longTermKey,
  clientConfig: sts,
});
const refreshing = s3For(refreshingProvider);
// The anti-pattern: resolve once at startup and keep the key triple (no expiration, so never refreshed).
const { accessKeyId, secretAccessKey, sessionToken } = await fromTemporaryCredentials({
  params: { RoleArn: emulator.roleArn, RoleSessionName: 'stale-worker' },
  masterCredentials: emulator.longTermKey,
  clientConfig: sts,
})();
const stale = s3For({ accessKeyId, secretAccessKey, sessionToken });

const bucket = 'uploads';
await refreshing.send(new CreateBucketCommand({ Bucket: bucket }));

async function upload(client, key) {
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `payload of ${key}` }));
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await got.Body.transformToString()) === `payload of ${key}` ? 'ok' : 'corrupted';
  } catch (error) {
    return `${error.name} (HTTP ${error.$metadata?.httpStatusCode})`;
  }
}

console.log(`credwatch emulator on ${emulator.endpoint} (sessions live 1h; S3 wants a refresh after 45m)\n`);
console.log('minute  refreshing provider        cached key triple');
for (const minute of [0, 30, 50, 70]) {
  emulator.clock.set(new Date(Date.now() + minute * 60_000));
  // The SDK reads the real clock, so a refreshing client is told to refresh the way it would be at that age.
  if (minute >= 45) await refreshing.config.credentials({ forceRefresh: true });
  const [a, b] = [
    await upload(refreshing, `refreshing-${minute}.txt`),
    await upload(stale, `stale-${minute}.txt`),
  ];
  console.log(`${String(minute).padStart(6)}  ${a.padEnd(26)} ${b}`);
}

console.log(`\nSTS AssumeRole calls: ${emulator.stats.calls('sts:AssumeRole')}`);
console.log(
  `S3 rejections: TokenRefreshRequired=${emulator.stats.errors('TokenRefreshRequired')} ExpiredToken=${emulator.stats.errors('ExpiredToken')}`,
);
await emulator.stop();
