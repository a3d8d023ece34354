// A batch uploader, as in the seeds' "Seen in Production": it runs longer than its temporary credentials
// live. Nothing here knows about credwatch; the demo starts it with `node --require @credwatch/auto/register`.
//
//   UPLOADER_MODE=stale       resolves AssumeRole once at startup and keeps the key triple (the anti-pattern)
//   UPLOADER_MODE=refreshing  gives the client a refreshing provider (fromTemporaryCredentials)
const { PutObjectCommand, S3Client } = require('@aws-sdk/client-s3');
const { AssumeRoleCommand, STSClient } = require('@aws-sdk/client-sts');
const { fromTemporaryCredentials } = require('@aws-sdk/credential-providers');

const mode = process.env.UPLOADER_MODE;
const bucket = process.env.UPLOADER_BUCKET;
const roleArn = process.env.UPLOADER_ROLE_ARN;
const uploads = Number(process.env.UPLOADER_UPLOADS);
const intervalMs = Number(process.env.UPLOADER_INTERVAL_MS);
const giveUpAfter = 3;

async function cachedKeyTriple() {
  const { Credentials } = await new STSClient({}).send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'batch-uploader' }),
  );
  // Kept without its Expiration, so the SDK can never know it is time to refresh.
  return {
    accessKeyId: Credentials.AccessKeyId,
    secretAccessKey: Credentials.SecretAccessKey,
    sessionToken: Credentials.SessionToken,
  };
}

async function main() {
  const credentials =
    mode === 'stale'
      ? await cachedKeyTriple()
      : fromTemporaryCredentials({ params: { RoleArn: roleArn, RoleSessionName: 'batch-uploader' } });
  const s3 = new S3Client({ forcePathStyle: true, credentials });
  const started = Date.now();
  let uploaded = 0;
  let failuresInARow = 0;
  for (let n = 1; n <= uploads; n++) {
    try {
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: `${mode}/part-${n}.csv`, Body: `row ${n}\n` }),
      );
      uploaded++;
      failuresInARow = 0;
    } catch (error) {
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      console.error(`upload ${n} failed after ${seconds} s: ${error.name}`);
      if (++failuresInARow === giveUpAfter) {
        console.error(`giving up: ${uploaded} of ${uploads} uploaded`);
        process.exitCode = 1;
        return;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  console.log(`done: ${uploaded} of ${uploads} uploaded`);
}

main();
