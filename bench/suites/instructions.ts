// Instructions per request, counted by callgrind: repeatable where CPU time is not. On this 2-vCPU machine two
// bare processes differ by about ±3 % in CPU time per request, which hides a 1 % target; callgrind counts what
// the process executes, whatever else the machine does. Each configuration runs twice, with SHORT and LONG
// GetObjects; the difference divided by LONG − SHORT is its instructions per request, with startup and the
// first requests' warm-up cancelled out. V8 runs single-threaded (`--single-threaded`), with fixed hash and
// random seeds: its background compiler and GC threads, and per-process seeds, would otherwise add work that
// differs from run to run.
import { fileURLToPath } from 'node:url';
import { countInstructions, hasValgrind } from '../lib/callgrind.js';
import { report } from '../lib/stats.js';
import type { Config } from '../lib/telemetry.js';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
// The default pair includes the first requests' JIT warm-up in the difference; 1000 and 3000
// (BENCH_INSTRUCTIONS_SHORT/LONG) measure the steady state of a long-running worker, at about twice the time.
const SHORT = Number(process.env.BENCH_INSTRUCTIONS_SHORT ?? 200);
const LONG = Number(process.env.BENCH_INSTRUCTIONS_LONG ?? 1200);
/** A second bare process: how far apart two runs of the same code land, the noise floor of this count. */
const AA = 'bare SDK, again (A/A)';
const RUNS: { label: string; config: Config }[] = [
  { label: 'bare SDK', config: 'bare SDK' },
  { label: '+ credwatch', config: '+ credwatch' },
  { label: '+ instrumentation-aws-sdk', config: '+ instrumentation-aws-sdk' },
  { label: AA, config: 'bare SDK' },
];

interface Counted {
  instructions: number;
  signings: number;
  spans: number;
}

async function counted(config: Config, requests: number): Promise<Counted> {
  const { instructions, stdout } = await countInstructions(
    ['--import', 'tsx', 'suites/instructions-worker.ts', config, String(requests)],
    { cwd: BENCH_DIR },
  );
  return { instructions, ...JSON.parse(stdout.trim().split('\n').at(-1) as string) };
}

if (!hasValgrind()) {
  report({ skipped: 'valgrind is not installed' });
} else {
  const perRequest: Record<string, number> = {};
  const recorded: Record<string, { signings: number; spans: number }> = {};
  for (const { label, config } of RUNS) {
    // The two lengths in parallel, one per core.
    const [short, long] = await Promise.all([counted(config, SHORT), counted(config, LONG)]);
    perRequest[label] = (long.instructions - short.instructions) / (LONG - SHORT);
    recorded[label] = { signings: long.signings, spans: long.spans };
  }
  report({ requests: [SHORT, LONG], perRequest, recorded });
}
