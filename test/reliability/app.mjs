// The matrix app as ESM with static imports: run under `--import @credwatch/auto/register`.
import * as s3 from '@aws-sdk/client-s3';
import * as sts from '@aws-sdk/client-sts';
import * as providers from '@aws-sdk/credential-providers';
import workload from './workload.cjs';

await workload.run({ s3, sts, providers });
