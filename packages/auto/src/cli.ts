#!/usr/bin/env node
// `credwatch doctor`: why does this process have the AWS credentials it has, and will they last?
import { parseArgs } from 'node:util';
import { parseRefreshBefore } from '@credwatch/instrumentation';
import { type Diagnosis, formatDiagnosis } from './doctor/diagnosis.js';
import { runUnderCredwatch } from './doctor/run-command.js';
import { walkChain } from './doctor/walk-chain.js';

const USAGE = `usage: credwatch doctor [--job-duration <duration>] [--json] [-- <command> [args...]]

Without a command: resolves credentials here as the AWS SDK installed in this directory would (the default
chain), asks STS whose they are, and checks them against the job's duration.
With a command (e.g. -- node app.js, -- npm start): runs it under credwatch and reports what its own AWS
clients signed with.

  --job-duration <duration>  how long the job runs (3h, 90m, 600): a finding if the credentials cannot last
  --json                     the diagnosis as JSON
Exit code: 0 without findings, 1 with findings, 2 for a usage error.
`;

async function main(argv: string[]): Promise<number> {
  const split = argv.indexOf('--');
  const own = split === -1 ? argv : argv.slice(0, split);
  const command = split === -1 ? [] : argv.slice(split + 1);
  let values: { 'job-duration'?: string; json?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: own,
      allowPositionals: true,
      options: {
        'job-duration': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`credwatch: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals[0] !== 'doctor' || positionals.length > 1) {
    process.stderr.write(USAGE);
    return 2;
  }
  let jobDurationSeconds: number | undefined;
  if (values['job-duration'] !== undefined) {
    const parsed = parseRefreshBefore(values['job-duration']);
    if (parsed === undefined || !('seconds' in parsed)) {
      process.stderr.write(
        `credwatch: --job-duration must be a duration such as 3h, 90m or 600 (seconds), got ${JSON.stringify(values['job-duration'])}\n`,
      );
      return 2;
    }
    jobDurationSeconds = parsed.seconds;
  }
  if (split !== -1 && command.length === 0) {
    process.stderr.write(`credwatch: nothing to run after --\n${USAGE}`);
    return 2;
  }
  const diagnosis: Diagnosis =
    command.length > 0
      ? await runUnderCredwatch(command, process.env)
      : await walkChain({ cwd: process.cwd(), env: process.env, jobDurationSeconds });
  process.stdout.write(values.json ? `${JSON.stringify(diagnosis, null, 2)}\n` : formatDiagnosis(diagnosis));
  return diagnosis.findings.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`credwatch doctor failed: ${(error as Error).stack ?? error}\n`);
    process.exitCode = 2;
  },
);
