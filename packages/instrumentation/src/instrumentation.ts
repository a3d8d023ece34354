import {
  InstrumentationBase,
  type InstrumentationModuleDefinition,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
} from '@opentelemetry/instrumentation';
import { instrumentClientOnce } from './client-wiring.js';
import { validateConfig } from './config.js';
import { clearEnabled, setEnabled } from './enabled.js';
import { unpatchExport } from './exports-patch.js';
import { type FindingLogger, Findings } from './findings.js';
import { IdentityRegistry } from './identities.js';
import type { SdkClient } from './internal-types.js';
import { LiveClients } from './live-clients.js';
import { CredentialMetrics } from './metrics.js';
import { patchDefaultProvider, patchProviderFactory } from './provider-hooks.js';
import { patchedSend } from './send-hook.js';
import { DEFAULT_CHAIN_MODULE, PROVIDER_MODULES } from './sources.js';
import type { Telemetry } from './telemetry.js';
import type { AwsCredentialsInstrumentationConfig, InstrumentClientOptions } from './types.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

const SEND_PATCHED = Symbol.for('credwatch.instrumentation.send');

type ClientModule = { Client?: { prototype: Record<PropertyKey, unknown> } };

/** What the send patch keeps on the client prototype, so it can be undone only while it is outermost. */
interface SendPatch {
  original: (...args: unknown[]) => unknown;
  patched: (...args: unknown[]) => unknown;
}

/**
 * OpenTelemetry instrumentation for AWS SDK v3 credentials: which source signed each request, how long its
 * credentials had left, every real refresh by a credential provider, and every credential rejection.
 */
export class AwsCredentialsInstrumentation extends InstrumentationBase<AwsCredentialsInstrumentationConfig> {
  // Assigned from the base constructor (init, _updateMetricInstruments) before field initialisers run.
  declare private credentialMetrics: CredentialMetrics;
  declare private telemetryView: Telemetry | undefined;
  declare private liveClientsOf: LiveClients | undefined;

  constructor(config: AwsCredentialsInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, validateConfig(config));
  }

  override setConfig(config: AwsCredentialsInstrumentationConfig = {}): void {
    super.setConfig(validateConfig(config));
  }

  override enable(): void {
    super.enable();
    setEnabled(this);
  }

  override disable(): void {
    super.disable();
    clearEnabled(this);
  }

  protected override _updateMetricInstruments(): void {
    // Values still waiting belong to the provider they were recorded under: its next collection takes them.
    this.credentialMetrics?.timeToExpiry.flush();
    this.credentialMetrics = new CredentialMetrics(this.meter, this.liveClients);
  }

  /**
   * Instruments one client explicitly, for code the require hooks cannot reach (bundled Lambda handlers,
   * esbuild output). Safe to combine with the hooks: a client is instrumented once, whoever gets there first.
   */
  instrumentClient<Client extends object>(client: Client, options: InstrumentClientOptions = {}): Client {
    instrumentClientOnce(this.telemetry, client as unknown as SdkClient, 'explicit', options);
    return client;
  }

  protected init(): InstrumentationModuleDefinition[] {
    const patchClient = (moduleExports: ClientModule) => this.patchClientClass(moduleExports);
    const unpatchClient = (moduleExports: ClientModule) => this.unpatchClientClass(moduleExports);
    return [
      // Since @smithy/core 3.24 the client lives in its `client` submodule (and @smithy/smithy-client 4.x re-exports it).
      new InstrumentationNodeModuleDefinition('@smithy/core', ['>=3.24.0'], undefined, undefined, [
        new InstrumentationNodeModuleFile(
          '@smithy/core/dist-cjs/submodules/client/index.js',
          ['>=3.24.0'],
          patchClient,
          unpatchClient,
        ),
      ]),
      new InstrumentationNodeModuleDefinition(
        '@smithy/smithy-client',
        ['>=1.0.3'],
        patchClient,
        unpatchClient,
      ),
      new InstrumentationNodeModuleDefinition(
        '@aws-sdk/smithy-client',
        ['^3.1.0'],
        patchClient,
        unpatchClient,
      ),
      ...PROVIDER_MODULES.map(
        ({ module, versions, factories }) =>
          new InstrumentationNodeModuleDefinition(
            module,
            versions,
            (moduleExports: object) =>
              factories.reduce(
                (patched, factory) => patchProviderFactory(this.telemetry, patched, factory),
                moduleExports,
              ),
            (moduleExports: object) => {
              for (const factory of factories) unpatchExport(moduleExports, factory.exportName);
            },
          ),
      ),
      new InstrumentationNodeModuleDefinition(
        DEFAULT_CHAIN_MODULE.module,
        DEFAULT_CHAIN_MODULE.versions,
        (moduleExports: object, moduleVersion?: string) =>
          patchDefaultProvider(this.telemetry, moduleExports, moduleVersion),
        (moduleExports: object) => unpatchExport(moduleExports, 'defaultProvider'),
      ),
    ];
  }

  private patchClientClass(moduleExports: ClientModule): ClientModule {
    const prototype = moduleExports?.Client?.prototype;
    if (prototype === undefined || typeof prototype.send !== 'function' || prototype[SEND_PATCHED])
      return moduleExports;
    const original = prototype.send as (...args: unknown[]) => unknown;
    const patched = patchedSend(this.telemetry, original);
    prototype.send = patched;
    const state: SendPatch = { original, patched };
    Object.defineProperty(prototype, SEND_PATCHED, { value: state, configurable: true });
    return moduleExports;
  }

  private unpatchClientClass(moduleExports: ClientModule): void {
    const prototype = moduleExports?.Client?.prototype;
    const state = prototype?.[SEND_PATCHED] as SendPatch | undefined;
    if (prototype === undefined || typeof state?.original !== 'function') return;
    // Another instrumentation (instrumentation-aws-sdk) wrapped `send` after us: putting the original back
    // would remove its wrapper too. Ours stays in the chain, passing every call through while disabled.
    if (prototype.send !== state.patched) return;
    prototype.send = state.original;
    delete prototype[SEND_PATCHED];
  }

  /**
   * The base class's Logs API logger (from the global or the set LoggerProvider); undefined on base classes
   * that predate it. Read at each finding, so a provider set later applies.
   */
  private get findingLogger(): FindingLogger | undefined {
    return (this as unknown as { logger?: FindingLogger }).logger;
  }

  /** The clients this instrumentation reached; created on first use (the base constructor already needs it). */
  private get liveClients(): LiveClients {
    this.liveClientsOf ??= new LiveClients();
    return this.liveClientsOf;
  }

  /** The live view the hooks read: providers and config changes apply to clients instrumented earlier. */
  private get telemetry(): Telemetry {
    if (this.telemetryView === undefined) {
      const instrumentation = this;
      const registry = new IdentityRegistry();
      this.telemetryView = {
        get tracer() {
          return instrumentation.tracer;
        },
        get metrics() {
          return instrumentation.credentialMetrics;
        },
        get config() {
          return instrumentation.getConfig();
        },
        registry,
        liveClients: this.liveClients,
        diag: this._diag,
        findings: new Findings(),
        get logger() {
          return instrumentation.findingLogger;
        },
        isEnabled: () => this.isEnabled(),
      };
    }
    return this.telemetryView;
  }
}
