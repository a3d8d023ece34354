// The matrix app as CommonJS: run bare and under `--require @credwatch/auto/register`.
require('./workload.cjs').run({
  s3: require('@aws-sdk/client-s3'),
  sts: require('@aws-sdk/client-sts'),
  providers: require('@aws-sdk/credential-providers'),
});
