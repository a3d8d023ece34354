import type { FindingInfo } from '@credwatch/instrumentation';
import type { CredwatchReport } from '../report.js';

/** A finding of `credwatch doctor`: the instrumentation's detectors', or the doctor's own checks. */
export type DoctorFinding = Pick<FindingInfo, 'kind' | 'message' | 'fix'>;

/** What `credwatch doctor` found. Never holds a key, a token or a full key id. */
export interface Diagnosis {
  /** The command run under credwatch, with its exit code; absent when the doctor walked the chain itself. */
  command?: { argv: string[]; exitCode: number | null; signal: string | null };
  /** The source that signed (`aws.credentials.source`), per service for a command. */
  sources: { source: string; service: string; signings: number; expiryStates: string }[];
  /** For the chain walk: the credentials the chain resolved. */
  credentials?: {
    /** `aws.credentials.source` of the provider that returned them. */
    source: string;
    temporary: boolean;
    /** ISO 8601; absent when the credentials have no expiration. */
    expiration?: string;
    timeToExpirySeconds?: number;
    /** Whether the source can fetch new credentials when these run out. */
    refreshable: boolean;
  };
  /** `GetCallerIdentity`'s answer: the principal ARN and its account. */
  principal?: { arn: string; account: string };
  rejections: { errorType: string; count: number }[];
  findings: DoctorFinding[];
}

/** What signed, per source and service, with the expiry states of the signings, from an exit report. */
export function signingSources(report: CredwatchReport): Diagnosis['sources'] {
  const bySource = new Map<
    string,
    { source: string; service: string; signings: number; states: Map<string, number> }
  >();
  for (const row of report.signings) {
    const key = `${row.source}\u0000${row.service}`;
    const entry = bySource.get(key) ?? {
      source: row.source,
      service: row.service,
      signings: 0,
      states: new Map(),
    };
    entry.signings += row.count;
    entry.states.set(row.expiryState, (entry.states.get(row.expiryState) ?? 0) + row.count);
    bySource.set(key, entry);
  }
  return [...bySource.values()].map(({ source, service, signings, states }) => ({
    source,
    service,
    signings,
    expiryStates: [...states].map(([state, count]) => `${state} ${count}`).join(', '),
  }));
}

/** The diagnosis for a person: what signed, with what, and each finding with its fix. */
export function formatDiagnosis(diagnosis: Diagnosis): string {
  const lines = ['credwatch doctor'];
  const { command, credentials, principal } = diagnosis;
  if (command) {
    const ended = command.signal === null ? `exit code ${command.exitCode}` : `signal ${command.signal}`;
    lines.push(`command:     ${command.argv.join(' ')} (${ended})`);
  }
  if (diagnosis.sources.length === 0) lines.push('source:      none (no signed AWS request)');
  for (const row of diagnosis.sources) {
    lines.push(`source:      ${row.source} (${row.service}: ${row.signings} signed, ${row.expiryStates})`);
  }
  if (credentials) {
    lines.push(
      `credentials: ${credentials.source}, ${credentials.temporary ? 'temporary' : 'long-term'}, ` +
        (credentials.expiration === undefined
          ? 'no expiration'
          : `expire ${credentials.expiration} (in ${Math.round(credentials.timeToExpirySeconds ?? 0)} s)`) +
        `, ${credentials.refreshable ? 'refreshed by their source' : 'nothing refreshes them'}`,
    );
  }
  if (principal) lines.push(`principal:   ${principal.arn} (account ${principal.account})`);
  if (diagnosis.rejections.length > 0) {
    lines.push(
      `rejections:  ${diagnosis.rejections.map((row) => `${row.errorType} ${row.count}`).join(', ')}`,
    );
  }
  const count = diagnosis.findings.length;
  lines.push('', count === 0 ? 'no findings' : `${count} finding${count === 1 ? '' : 's'}`);
  for (const finding of diagnosis.findings) {
    lines.push(`- ${finding.kind}: ${finding.message}`, `  fix: ${finding.fix}`);
  }
  return `${lines.join('\n')}\n`;
}
