// A CommonJS app: `node --require @credwatch/auto/register app.cjs`, or `npm start` with NODE_OPTIONS.
const { fromTemporaryCredentials } = require('@aws-sdk/credential-providers');

require('./workload.cjs').run(
  require('@aws-sdk/client-s3'),
  fromTemporaryCredentials({ params: { RoleArn: process.env.APP_ROLE_ARN } }),
);
