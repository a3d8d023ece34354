// The anti-pattern: AssumeRole output kept in a module-scope global, so a warm runtime reuses it across
// invocations, with nothing to refresh it. Nothing here knows about credwatch.
const { PutObjectCommand, S3Client } = require('@aws-sdk/client-s3');
const { AssumeRoleCommand, STSClient } = require('@aws-sdk/client-sts');

let session; // survives between invocations of a warm runtime

exports.handler = async (event) => {
  if (session === undefined) {
    const { Credentials } = await new STSClient({}).send(
      new AssumeRoleCommand({ RoleArn: process.env.ROLE_ARN, RoleSessionName: 'cached-handler' }),
    );
    session = {
      accessKeyId: Credentials.AccessKeyId,
      secretAccessKey: Credentials.SecretAccessKey,
      sessionToken: Credentials.SessionToken,
      expiration: Credentials.Expiration,
    };
  }
  const s3 = new S3Client({ forcePathStyle: true, credentials: session });
  await s3.send(new PutObjectCommand({ Bucket: process.env.BUCKET, Key: `cached/${event.n}`, Body: 'x' }));
  return { n: event.n };
};
