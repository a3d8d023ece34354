// The fix: one client, created once, with a provider that refreshes its session before it runs out.
const { PutObjectCommand, S3Client } = require('@aws-sdk/client-s3');
const { fromTemporaryCredentials } = require('@aws-sdk/credential-providers');

const s3 = new S3Client({
  forcePathStyle: true,
  credentials: fromTemporaryCredentials({
    params: { RoleArn: process.env.ROLE_ARN, RoleSessionName: 'refreshing-handler' },
  }),
});

exports.handler = async (event) => {
  await s3.send(
    new PutObjectCommand({ Bucket: process.env.BUCKET, Key: `refreshing/${event.n}`, Body: 'x' }),
  );
  return { n: event.n };
};
