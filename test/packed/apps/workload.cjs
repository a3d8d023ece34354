// What every smoke app does once credwatch is in place: one bucket and two uploads through a client whose
// credentials come from AssumeRole, then this process's own Prometheus scrape, printed for the test.
exports.run = async function run(s3Module, credentials, instrument = (client) => client) {
  const { S3Client, CreateBucketCommand, PutObjectCommand } = s3Module;
  const s3 = instrument(new S3Client({ forcePathStyle: true, credentials }));
  const bucket = process.env.APP_BUCKET;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const key of ['a.csv', 'b.csv']) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'a,b\n1,2\n' }));
  }
  console.log('uploaded 2 objects');
  process.stdout.write(`--- scrape ---\n${await scrape()}--- end ---\n`);
};

/** GET /metrics without keep-alive: a pooled connection would hold the app open for seconds after its work. */
function scrape() {
  const url = `http://127.0.0.1:${process.env.OTEL_EXPORTER_PROMETHEUS_PORT}/metrics`;
  return new Promise((resolve, reject) => {
    require('node:http')
      .get(url, { agent: false }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
}
