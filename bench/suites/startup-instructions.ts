// Startup in instructions: what `startup.ts` times, counted by callgrind from process start to the first answered
// request. Wall time on this 2-vCPU machine moves by ±10 ms between identical runs, as much as the effects that
// decide the 1.3× target; an instruction count repeats to within 0.1 % (the A/A pair shows it). V8 runs
// single-threaded with fixed seeds, as in `instructions.ts`. The rows in between separate what any OpenTelemetry
// set-up pays from what credwatch adds: the API alone (loaded by every instrumentation, not bundled: it is the
// application's one shared global) and an empty require hook of the kind `InstrumentationBase` installs
// (`require-in-the-middle` with every module and its internal files: each `require` resolved a second time).
import { fileURLToPath } from 'node:url';
import { startEmulator } from '@credwatch/emulator';
import { countInstructions, hasValgrind } from '../lib/callgrind.js';
import { EXPORTERS_OFF, STARTUP_VARIANTS, type StartupVariant } from '../lib/startup-variants.js';
import { report } from '../lib/stats.js';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
// The shared rows, with reference rows around them: the noise floor, and what comes before credwatch's own code.
const VARIANTS: Record<string, StartupVariant> = {
  'node app.js': STARTUP_VARIANTS['node app.js'] as StartupVariant,
  'node app.js, again (A/A)': STARTUP_VARIANTS['node app.js'] as StartupVariant,
  '--require @opentelemetry/api (the API alone)': {
    flags: ['--require', '@opentelemetry/api'],
    env: EXPORTERS_OFF,
  },
  '--require an empty require-in-the-middle hook (as InstrumentationBase installs)': {
    flags: ['--require', './fixtures/empty-require-hook.cjs'],
    env: EXPORTERS_OFF,
  },
  '--require @credwatch/auto/register, OTEL_SDK_DISABLED=true': {
    flags: ['--require', '@credwatch/auto/register'],
    env: { ...EXPORTERS_OFF, OTEL_SDK_DISABLED: 'true' },
  },
  ...Object.fromEntries(Object.entries(STARTUP_VARIANTS).filter(([name]) => name !== 'node app.js')),
};

async function counted(variant: StartupVariant, env: NodeJS.ProcessEnv): Promise<number> {
  const { instructions, stdout } = await countInstructions([...variant.flags, 'fixtures/startup-app.cjs'], {
    cwd: BENCH_DIR,
    env: { ...env, ...variant.env },
  });
  if (!stdout.includes('first-request-ms')) throw new Error(`no first request: ${variant.flags.join(' ')}`);
  return instructions;
}

if (!hasValgrind()) {
  report({ skipped: 'valgrind is not installed' });
} else {
  const emulator = await startEmulator();
  const env = { ...process.env, ...emulator.env('env') };
  const names = Object.keys(VARIANTS);
  const instructions: Record<string, number> = {};
  // Two at a time, one per core; the emulator answers from this process meanwhile.
  for (let i = 0; i < names.length; i += 2) {
    const pair = names.slice(i, i + 2);
    const counts = await Promise.all(
      pair.map((name) => counted(VARIANTS[name] as (typeof VARIANTS)[string], env)),
    );
    pair.forEach((name, index) => {
      instructions[name] = counts[index] as number;
    });
  }
  await emulator.stop();
  report({ instructions });
}
