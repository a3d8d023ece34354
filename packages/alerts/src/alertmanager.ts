/**
 * Alertmanager inhibitions: while a critical credwatch alert fires for a job, instance and source, its
 * warnings are noise (a rejected request already says the refresh was late).
 */
export function inhibitRules() {
  return {
    inhibit_rules: [
      {
        source_matchers: ['alertname=~"AwsCredentials.+"', 'severity="critical"'],
        target_matchers: ['alertname=~"AwsCredentials.+"', 'severity="warning"'],
        equal: ['job', 'instance', 'aws_credentials_source'],
      },
    ],
  };
}
