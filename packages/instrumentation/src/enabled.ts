import type { InstrumentClientOptions } from './types.js';
/**
 * The enabled instrumentation, kept in one process-wide slot (a `Symbol.for` key) so that every copy of this
 * package reaches it: a bundle that inlined credwatch, or the ESM build loaded next to the CJS build that
 * `--require @credwatch/auto/register` enabled. Module state would give each copy its own, empty, slot.
 */

/** What one copy needs from another copy's instrumentation; kept this small so versions can mix. */
export interface ClientInstrumenter {
  instrumentClient<Client extends object>(client: Client, options?: InstrumentClientOptions): Client;
}

const ENABLED = Symbol.for('credwatch.instrumentation.enabled');
const WARNED_NOT_ENABLED = Symbol.for('credwatch.instrumentation.warned-not-enabled');

type Slots = { [ENABLED]?: ClientInstrumenter; [WARNED_NOT_ENABLED]?: true };
const slots = globalThis as Slots;

export function setEnabled(instrumentation: ClientInstrumenter): void {
  slots[ENABLED] = instrumentation;
}

export function clearEnabled(instrumentation: ClientInstrumenter): void {
  if (slots[ENABLED] === instrumentation) delete slots[ENABLED];
}

/**
 * Instruments one client with the most recently enabled `AwsCredentialsInstrumentation` of any copy of
 * credwatch in the process. With none enabled, the client is returned unchanged and the process is warned
 * once (a Node warning, visible without an OpenTelemetry diag logger), saying what to do.
 */
export function instrumentClient<Client extends object>(
  client: Client,
  options: InstrumentClientOptions = {},
): Client {
  const enabled = slots[ENABLED];
  if (enabled !== undefined) return enabled.instrumentClient(client, options);
  if (!slots[WARNED_NOT_ENABLED]) {
    slots[WARNED_NOT_ENABLED] = true;
    process.emitWarning(
      'instrumentClient() found no enabled AwsCredentialsInstrumentation, so this client reports nothing. ' +
        'Enable one before creating clients: start the OpenTelemetry SDK with `new AwsCredentialsInstrumentation()` ' +
        '(or run with `node --require @credwatch/auto/register`), then call instrumentClient().',
      { type: 'CredwatchWarning', code: 'CREDWATCH_NOT_ENABLED' },
    );
  }
  return client;
}
