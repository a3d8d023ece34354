// Turns one uploader's credwatch report (CREDWATCH_REPORT, JSON) into what a person reads after the run.

const sum = (rows) => rows.reduce((total, row) => total + row.count, 0);
const seconds = (value) => `${value.toFixed(1)} s`;

function tally(rows, key) {
  const counts = new Map();
  for (const row of rows) counts.set(key(row), (counts.get(key(row)) ?? 0) + row.count);
  return [...counts].map(([name, count]) => `${name} ${count}`).join(', ');
}

/** Lines describing what credwatch saw on the S3 requests of one run. */
export function describeRun(report) {
  const signings = report.signings.filter((row) => row.service === 'S3');
  const sources = [...new Set(signings.map((row) => row.source))].join(', ') || 'none';
  const ttl = report.timeToExpiry.find((row) => row.service === 'S3');
  const cachedSessions = sum(signings.filter((row) => row.expiryState === 'no_expiry' && row.temporary));
  const failed = report.refreshes.filter((row) => row.outcome === 'failure');
  return [
    `credential source:         ${sources} (${sum(signings)} signed S3 requests: ${tally(signings, (row) => row.expiryState)})`,
    ttl
      ? `time to expiry at signing: min ${seconds(ttl.min)}, p50 ${seconds(ttl.p50)}`
      : `time to expiry at signing: unknown: ${cachedSessions} requests signed with a session key that has no expiration (a cached key triple the SDK can never refresh)`,
    `refresh attempts:          ${sum(report.refreshes)}` +
      (report.refreshes.length > 0
        ? ` (${tally(report.refreshes, (row) => `${row.source}/${row.trigger} ${row.outcome === 'success' ? 'ok' : `failed ${row.errorType}`}`)})`
        : '') +
      (failed.length > 0 ? `, ${sum(failed)} failed` : ''),
    `rejections:                ${report.rejections.length > 0 ? tally(report.rejections, (row) => row.errorType) : 'none'}`,
    ...(report.recoveries.length > 0
      ? [
          `recoveries:                ${tally(report.recoveries, (row) => `${row.outcome}${row.skipReason ? ` ${row.skipReason}` : ''}`)}`,
        ]
      : []),
    `findings:                  ${report.findings.length > 0 ? report.findings.map((finding) => finding.kind).join(', ') : 'none'}`,
    ...report.findings.flatMap((finding) => [`  ${finding.message}`, `  fix: ${finding.fix}`]),
  ];
}
