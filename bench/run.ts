// `pnpm bench`: every suite in its own process, one after the other (memory's two runs in parallel), then
// one report of medians and ratios, in Markdown, for docs/benchmarks.md.
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { nodeOutput } from './lib/node-run.js';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const CONFIGS = ['bare SDK', '+ credwatch', '+ instrumentation-aws-sdk', '+ both'] as const;
/** A second bare process, compared with the first: the run's noise floor. */
const AA = 'bare SDK, again (A/A)';

async function suite(name: string) {
  process.stderr.write(`running ${name}…\n`);
  const output = await nodeOutput(['--import', 'tsx', `suites/${name}.ts`], { cwd: BENCH_DIR });
  return JSON.parse(output.trim().split('\n').at(-1) as string);
}

const fixed = (value: number, digits = 1) => value.toFixed(digits);
const ratio = (value: number, base: number) => `${fixed(value / base, 3)}×`;
const lines: string[] = [];
const table = (header: string[], rows: (string | number)[][]) => {
  lines.push(`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`);
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  lines.push('');
};

/** A suite's instruction counts, each against the first row's (the bare process). */
function instructionsTable(
  title: string,
  header: string,
  result: { skipped?: string; instructions?: Record<string, number> },
) {
  if (result.skipped !== undefined || result.instructions === undefined) {
    lines.push(`${title}: skipped (${result.skipped}).`, '');
    return;
  }
  lines.push(`### ${title}`, '');
  const counts = Object.entries(result.instructions);
  const bare = counts[0]?.[1] as number;
  table(
    [header, 'instructions', 'ratio to bare', 'added'],
    counts.map(([name, count]) => [
      name,
      `${fixed(count / 1e6)} M`,
      ratio(count, bare),
      `${fixed((count - bare) / 1e6)} M`,
    ]),
  );
}

const perRequest = await suite('per-request');
const instructions = await suite('instructions');
const middleware = await suite('middleware');
const parity = await suite('parity');
const memory = await suite('memory');
const startup = await suite('startup');
const startupInstructions = await suite('startup-instructions');
const lambda = await suite('lambda');
const lambdaInstructions = await suite('lambda-instructions');
const footprint = await suite('footprint');

const cpu = cpus()[0];
lines.push(
  `Machine: ${cpu?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${fixed(totalmem() / 2 ** 30, 0)} GiB; Node ${process.version}; ${process.platform}/${process.arch}.`,
  '',
);

for (const [title, key, unit] of [
  ['Per request, in-process handler (CPU µs, median of rounds)', 'inProcess', 'CPU µs'],
  ['Per request over loopback against the emulator (wall µs, median of rounds)', 'loopback', 'wall µs'],
] as const) {
  lines.push(`### ${title}`, '');
  const rows: (string | number)[][] = [];
  for (const operation of ['GetObject', 'PutObject']) {
    const {
      us,
      ratio: ratios,
      interval,
    } = perRequest[key][operation] as {
      us: Record<string, number>;
      ratio: Record<string, number>;
      interval: Record<string, [number, number]>;
    };
    const bare = us['bare SDK'] as number;
    for (const config of [...CONFIGS, AA]) {
      const r = ratios[config] as number;
      const [low, high] = interval[config] as [number, number];
      rows.push([
        operation,
        config,
        fixed(us[config] as number),
        `${fixed(r, 3)}×`,
        config === 'bare SDK' ? '' : `${fixed(low, 3)}–${fixed(high, 3)}×`,
        config === 'bare SDK' ? '' : `${fixed((r - 1) * bare)} µs`,
      ]);
    }
    const added = (config: string) => (ratios[config] as number) - 1;
    rows.push([
      operation,
      'credwatch added ÷ aws-sdk added',
      '',
      fixed(added('+ credwatch') / added('+ instrumentation-aws-sdk'), 2),
      '',
      '',
    ]);
  }
  table(
    [
      'operation',
      'configuration',
      `${unit} (median)`,
      'ratio to bare (paired median)',
      '95 % interval',
      'added',
    ],
    rows,
  );
}
lines.push(
  `Each configuration runs in its own process, never toggled; what each recorded, as a check: ${Object.entries(
    perRequest.sanity as Record<string, { signings: number; spans: number }>,
  )
    .map(([config, { signings, spans }]) => `${config}: ${signings} signings, ${spans} spans`)
    .join('; ')}.`,
  '',
);

lines.push(
  `### Per request, in-process handler, a fresh process per configuration and round (${perRequest.freshRounds} rounds)`,
  '',
);
const freshRows: (string | number)[][] = [];
for (const operation of ['GetObject', 'PutObject']) {
  const { ratio: ratios, interval } = perRequest.inProcessFresh[operation] as {
    ratio: Record<string, number>;
    interval: Record<string, [number, number]>;
  };
  for (const config of [...CONFIGS, AA].filter((config) => config !== 'bare SDK')) {
    const [low, high] = interval[config] as [number, number];
    freshRows.push([
      operation,
      config,
      `${fixed(ratios[config] as number, 3)}×`,
      `${fixed(low, 3)}–${fixed(high, 3)}×`,
    ]);
  }
}
table(['operation', 'configuration', 'ratio to bare (paired median)', '95 % interval'], freshRows);

if ('skipped' in instructions) {
  lines.push(`Instructions per request: skipped (${instructions.skipped}).`, '');
} else {
  const [short, long] = instructions.requests as [number, number];
  lines.push(
    `### Per request, in-process handler: instructions (callgrind; GetObject, runs of ${short} and ${long} requests)`,
    '',
  );
  const counts = instructions.perRequest as Record<string, number>;
  const bare = counts['bare SDK'] as number;
  const added = (label: string) => (counts[label] as number) - bare;
  table(
    ['configuration', 'instructions per request', 'ratio to bare', 'added'],
    Object.entries(counts).map(([label, count]) => [
      label,
      fixed(count, 0),
      label === 'bare SDK' ? '' : `${fixed(count / bare, 4)}×`,
      label === 'bare SDK' ? '' : fixed(added(label), 0),
    ]),
  );
  lines.push(
    `credwatch added ÷ instrumentation-aws-sdk added: ${fixed(added('+ credwatch') / added('+ instrumentation-aws-sdk'), 2)}. What each configuration recorded in its longer run, as a check: ${Object.entries(
      instructions.recorded as Record<string, { signings: number; spans: number }>,
    )
      .map(([label, { signings, spans }]) => `${label}: ${signings} signings, ${spans} spans`)
      .join('; ')}.`,
    '',
  );
}

lines.push('### Signing-path middleware alone', '');
table(
  ['stack', 'ns per call'],
  [
    ['signer only', fixed(middleware.bareNs, 0)],
    ['signer + credwatch (credentials wrapper, observer, metric records)', fixed(middleware.credwatchNs, 0)],
    ['added by credwatch', fixed(middleware.addedNs, 0)],
  ],
);

lines.push(
  `### Credential-provider parity (${parity.requests} requests, clock moved ${parity.clockAdvances} × 19 min)`,
  '',
);
const parityRows: (string | number)[][] = [];
for (const [route, byConfig] of Object.entries(
  parity.results as Record<string, Record<string, Record<string, number>>>,
)) {
  for (const [config, counts] of Object.entries(byConfig)) {
    parityRows.push([
      route,
      config,
      counts.providerInvocations as number,
      counts.stsAssumeRole as number,
      counts.imdsCalls as number,
      counts.s3Requests as number,
    ]);
  }
}
table(
  ['provider', 'configuration', 'provider invocations', 'sts:AssumeRole', 'IMDS calls', 'S3 requests'],
  parityRows,
);

lines.push(
  '### Memory (create and drop clients, send requests; heap growth after full GC between the 2,000th and the last client)',
  '',
);
table(
  ['configuration', 'clients', 'requests', 'heap growth', 'retained per dropped client'],
  (
    memory as {
      config: string;
      clients: number;
      requests: number;
      heapBeforeBytes: number;
      heapAfterBytes: number;
      retainedPerClientBytes: number;
    }[]
  ).map((run) => [
    run.config,
    run.clients,
    run.requests,
    `${fixed((run.heapAfterBytes - run.heapBeforeBytes) / 1024, 0)} KiB`,
    `${fixed(run.retainedPerClientBytes, 1)} B`,
  ]),
);

lines.push(
  '### Startup (process start to first answered request, and peak resident memory by then; medians)',
  '',
);
const bareStartup = startup['node app.js'] as { ms: number; rssMiB: number };
table(
  ['command', 'ms', 'ratio to bare', 'peak RSS MiB', 'RSS added'],
  Object.entries(startup as Record<string, { ms: number; rssMiB: number }>).map(([name, { ms, rssMiB }]) => [
    name,
    fixed(ms),
    ratio(ms, bareStartup.ms),
    fixed(rssMiB),
    `${fixed(rssMiB - bareStartup.rssMiB)} MiB`,
  ]),
);

instructionsTable(
  'Startup in instructions (callgrind, process start to first answered request)',
  'command',
  startupInstructions,
);

lines.push(
  '### AWS Lambda (aws-lambda-ric, frozen between invocations; init and invocation duration, medians)',
  '',
);
const bareLambda = lambda['bare handler'] as { initMs: number; invocationMs: number };
table(
  ['handler', 'init ms', 'init ratio', 'invocation ms', 'added per invocation'],
  Object.entries(lambda as Record<string, { initMs: number; invocationMs: number }>).map(
    ([name, { initMs, invocationMs }]) => [
      name,
      fixed(initMs),
      ratio(initMs, bareLambda.initMs),
      fixed(invocationMs, 2),
      `${fixed(invocationMs - bareLambda.invocationMs, 2)} ms`,
    ],
  ),
);

instructionsTable(
  'AWS Lambda init in instructions (callgrind, runtime start to its first request for an invocation)',
  'handler',
  lambdaInstructions,
);

lines.push('### Install footprint (`npm install` into an empty project)', '');
table(
  ['package', 'packages', 'MB on disk'],
  Object.entries(footprint as Record<string, { packages: number; bytes: number }>).map(([name, size]) => [
    name,
    size.packages,
    fixed(size.bytes / 1e6),
  ]),
);

process.stdout.write(`${lines.join('\n')}\n`);
