import { warnIfProvidersHidden } from './api-visibility.js';
import { ClientState, type Reach } from './client-state.js';
import { wrapCredentials } from './credentials-wrapper.js';
import type { SdkClient } from './internal-types.js';
import { addRecovery } from './recovery.js';
import { addSigningObserver } from './signing-observer.js';
import { safely, type Telemetry } from './telemetry.js';
import type { InstrumentClientOptions } from './types.js';

/** Shared by every copy of credwatch in the process, so two paths to one client instrument it once. */
const INSTRUMENTED = Symbol.for('credwatch.instrumentation.client');

/**
 * Instruments a client once, whichever path reaches it first: its credentials are wrapped, and a signing
 * observer joins its middleware stack, both reading one `ClientState`.
 */
export function instrumentClientOnce(
  telemetry: Telemetry,
  client: SdkClient,
  reach: Reach,
  options: InstrumentClientOptions = {},
): void {
  if (client === null || typeof client !== 'object' || (client as Record<symbol, unknown>)[INSTRUMENTED])
    return;
  Object.defineProperty(client, INSTRUMENTED, { value: true });
  safely(telemetry, 'instrumenting an AWS SDK client', () => {
    const state = new ClientState(telemetry, client, reach);
    state.recover = options.recover;
    wrapCredentials(state);
    const signing = addSigningObserver(state);
    // Only where recovery is on: a middleware that would do nothing still costs every request its place.
    if (signing !== undefined && (options.recover ?? telemetry.config.recover) === true)
      addRecovery(state, signing);
    telemetry.liveClients.add(state);
    telemetry.diag.debug(`instrumented ${state.service} client (${reach})`);
    warnIfProvidersHidden();
  });
}
