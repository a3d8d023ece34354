// A small read-through service: GET /reports/<key> answers with the object from S3. Credentials come from the
// default chain, which finds the container endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI) as on ECS or EKS.
// Nothing here knows about credwatch: run it with `node --require @credwatch/auto/register server.cjs`.
const { createServer } = require('node:http');
const { GetObjectCommand, S3Client } = require('@aws-sdk/client-s3');

const s3 = new S3Client({ forcePathStyle: true });
const bucket = process.env.REPORTS_BUCKET;

const server = createServer(async (request, response) => {
  const key = /^\/reports\/(.+)$/.exec(request.url ?? '')?.[1];
  if (!key) return response.writeHead(404).end();
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: decodeURIComponent(key) }));
    response.writeHead(200, { 'content-type': 'text/plain' }).end(await object.Body.transformToString());
  } catch (error) {
    response.writeHead(502, { 'content-type': 'text/plain' }).end(`S3 said ${error.name}\n`);
  }
});

server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
