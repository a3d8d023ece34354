export type { EmulatorClock } from './clock.js';
export type { CredentialIssuer, IssuedCredentials, LongTermKey } from './credentials.js';
export type { DurationInput } from './duration.js';
export type { CredentialRoute, Emulator, EmulatorUrls } from './emulator.js';
export { startEmulator } from './emulator.js';
export type { EmulatedService, EmulatorFaults, EndpointFault, FaultTarget } from './faults.js';
export type { EmulatorOptions } from './options.js';
export type { EmulatorStats, StatsSnapshot } from './stats.js';
