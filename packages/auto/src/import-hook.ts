import { register } from 'node:module';
import type { Instrumentation, InstrumentationBase } from '@opentelemetry/instrumentation';
import { register as registerInThread, supportsSyncHooks } from 'import-in-the-middle/register-hooks.mjs';

/**
 * Registers import-in-the-middle for the modules the instrumentations patch, and only those: every other
 * ESM module loads untouched. In-thread hooks where Node supports them, the loader thread otherwise.
 */
export function registerImportHook(instrumentations: readonly Instrumentation[]): void {
  const include = [
    ...new Set(
      instrumentations.flatMap((instrumentation) =>
        (instrumentation as InstrumentationBase).getModuleDefinitions().map((definition) => definition.name),
      ),
    ),
  ];
  if (include.length === 0) return;
  if (supportsSyncHooks()) registerInThread({ include });
  else register('import-in-the-middle/hook.mjs', import.meta.url, { data: { include } });
}
