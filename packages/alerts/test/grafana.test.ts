import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ALERT_NAMES, alertDefinitions, DEFAULT_CONFIG, grafanaRules, resolveConfig } from '../src/index.js';
import { GRAFANA_IMPORT_QUERY_REF_ID } from '../src/prometheus.js';
import schema from './grafana-provisioning.schema.json' with { type: 'json' };
import { PACKAGE_DIR } from './helpers.js';

const file = parse(readFileSync(join(PACKAGE_DIR, 'grafana/alert-rules.yaml'), 'utf8'));
const rules = file.groups[0].rules as {
  uid: string;
  title: string;
  condition: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  dashboardUid: string;
  panelId: number;
  data: {
    refId: string;
    datasourceUid: string;
    model: { expr?: string; type?: string; expression?: string };
  }[];
}[];
const dashboard = JSON.parse(readFileSync(join(PACKAGE_DIR, 'grafana/dashboard.json'), 'utf8'));

/** PromQL syntax errors, as Prometheus' own Lezer grammar reports them ("" when it parses). */
function promqlErrors(expr: string): string {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError)
        errors.push(`error at ${node.from}: …${expr.slice(Math.max(0, node.from - 20), node.to + 20)}…`);
    },
  });
  return errors.join('; ');
}

/** What Grafana's provisioning (`values.interpolateValue`) leaves of a string: `$$` is a literal `$`. */
function expandEnv(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\{(\w+)\}|\$(\w+)/g, (match, braced: string, bare: string) =>
    match === '$$' ? '$' : (env[braced ?? bare] ?? ''),
  );
}

type ParsedFile = {
  groups: { folder: string; rules: (typeof rules)[number][] }[];
};

/**
 * The file as Grafana's rule provisioning reads it (`AlertRuleGroupV1`, `AlertRuleV1`, `QueryV1`): plain string
 * fields and label values go through env expansion, a query's `model` is taken raw.
 */
function asGrafanaReads(parsed: ParsedFile, env: Record<string, string>) {
  const group = parsed.groups[0];
  if (!group) throw new Error('no group');
  return {
    folder: expandEnv(group.folder, env),
    rules: group.rules.map((rule) => ({
      ...rule,
      uid: expandEnv(rule.uid, env),
      title: expandEnv(rule.title, env),
      condition: expandEnv(rule.condition, env),
      labels: Object.fromEntries(
        Object.entries(rule.labels).map(([key, value]) => [key, expandEnv(value, env)]),
      ),
      data: rule.data.map((query) => ({ ...query, datasourceUid: expandEnv(query.datasourceUid, env) })),
    })),
  };
}

describe('grafana/alert-rules.yaml', () => {
  const ajv = new Ajv({ allErrors: true });
  // Cross-field rule from ngalert's AlertQuery.PreSave: a data-source query's range must start before it ends.
  ajv.addKeyword({
    keyword: 'fromAfterTo',
    validate: (_enabled: boolean, range: { from: number; to: number }) => range.from > range.to,
  });
  const validate = ajv.compile(schema);

  it('matches the provisioning format', () => {
    expect(validate(file) ? [] : validate.errors).toEqual([]);
  });

  it('the schema draws the lines where Grafana does (and so can fail)', () => {
    const withRule = (change: Record<string, unknown>, query: Record<string, unknown> = {}) => {
      const copy = structuredClone(file);
      const rule = copy.groups[0].rules[0];
      Object.assign(rule, change);
      Object.assign(rule.data[0], query);
      return copy;
    };
    const accepts = (candidate: unknown) => validate(candidate);
    expect(accepts(withRule({ for: '0' }))).toBe(true);
    expect(accepts(withRule({ for: '1h30m' }))).toBe(true);
    expect(accepts(withRule({ for: '5m5m' }))).toBe(false);
    expect(accepts(withRule({ for: '30m1h' }))).toBe(false);
    expect(accepts(withRule({ missing_series_evals_to_resolve: 1 }))).toBe(true);
    expect(accepts(withRule({ missing_series_evals_to_resolve: 0 }))).toBe(false);
    expect(accepts(withRule({}, { relativeTimeRange: { from: 600, to: 600 } }))).toBe(false);
    expect(accepts(withRule({}, { relativeTimeRange: undefined }))).toBe(false);
    const recording = withRule({ condition: undefined, record: { metric: 'credwatch:signings', from: 'A' } });
    expect(accepts(JSON.parse(JSON.stringify(recording)))).toBe(true);
    expect(accepts(JSON.parse(JSON.stringify(withRule({ condition: undefined }))))).toBe(false);
    expect(
      accepts({ apiVersion: 1, deleteRules: [{ orgId: 1, uid: 'x' }], contactPoints: [], policies: [] }),
    ).toBe(true);
    expect(accepts({ ...file, unknownKey: [] })).toBe(false);
  });

  it('takes the datasource from PROM_DS_UID, expressions from __expr__, and conditions that exist', () => {
    expect(DEFAULT_CONFIG.datasourceUid).toBe('$' + '{PROM_DS_UID}');
    for (const rule of rules) {
      const [query, threshold] = rule.data;
      expect(query?.datasourceUid).toBe(DEFAULT_CONFIG.datasourceUid);
      expect(threshold).toMatchObject({
        datasourceUid: '__expr__',
        model: { type: 'threshold', expression: 'A' },
      });
      expect(rule.data.map((node) => node.refId)).toContain(rule.condition);
    }
  });

  it('has unique uids and titles, one per alert, titles distinct across severities', () => {
    expect(new Set(rules.map((rule) => rule.uid)).size).toBe(ALERT_NAMES.length);
    expect(new Set(rules.map((rule) => rule.title)).size).toBe(ALERT_NAMES.length);
    expect(new Set(rules.map((rule) => `${rule.title}/${rule.labels.severity}`)).size).toBe(
      ALERT_NAMES.length,
    );
  });

  it('survives provisioning env expansion: every query is still the Prometheus rule query', () => {
    const prometheus = parse(readFileSync(join(PACKAGE_DIR, 'prometheus/alerts.yaml'), 'utf8')).groups[0]
      .rules;
    const provisioned = asGrafanaReads(file, { PROM_DS_UID: 'prom' });
    provisioned.rules.forEach((rule, index) => {
      expect(prometheus[index].expr.startsWith(rule.data[0]?.model.expr ?? '?'), rule.title).toBe(true);
      expect(rule.data[0]?.datasourceUid).toBe('prom');
    });
  });

  it('keeps every $ as written: escaped where Grafana expands, raw in the query model', () => {
    const [first, ...rest] = alertDefinitions(DEFAULT_CONFIG);
    if (!first) throw new Error('no alerts');
    const dollar = {
      ...first,
      name: 'AwsCredentials$Test' as typeof first.name,
      severity: 'warning' as const,
      query: 'label_replace(up, "host", "$1", "instance", "(.*):.*")',
    };
    const generated = grafanaRules(resolveConfig({ folder: 'Team $A' }), [dollar, ...rest]);
    const group = generated.groups[0];
    const rule = group?.rules[0];
    expect([group?.folder, rule?.title, rule?.uid, rule?.data[0]?.model]).toEqual([
      'Team $$A',
      'AwsCredentials$$Test',
      'credwatch-$$test',
      { expr: dollar.query, instant: true, range: false, refId: 'A' },
    ]);
    const provisioned = asGrafanaReads(parse(stringify(generated)), {});
    expect(provisioned.folder).toBe('Team $A');
    expect(provisioned.rules[0]).toMatchObject({
      title: dollar.name,
      uid: 'credwatch-$test',
      condition: 'B',
      labels: { severity: 'warning' },
      data: [{ model: { expr: dollar.query } }, { datasourceUid: '__expr__' }],
    });
  });

  it('every embedded query parses as PromQL (and the check does catch a broken one)', () => {
    expect(promqlErrors('sum by (job) (rate(x[5m])')).not.toBe('');
    for (const rule of rules) expect(promqlErrors(rule.data[0]?.model.expr ?? ''), rule.title).toBe('');
  });

  it('links every rule to a panel of the dashboard', () => {
    const panelIds = dashboard.panels.map((panel: { id: number }) => panel.id);
    for (const rule of rules) {
      expect(rule.dashboardUid).toBe(dashboard.uid);
      expect(panelIds).toContain(rule.panelId);
    }
  });
});

describe('grafana/dashboard.json', () => {
  const targets = dashboard.panels.flatMap((panel: { title: string; targets: { expr: string }[] }) =>
    panel.targets.map((target) => [panel.title, target.expr] as const),
  );

  it('covers source mix, time to expiry, refreshes and failures, rejections by code, and the credentials held', () => {
    expect(dashboard.panels.map((panel: { title: string }) => panel.title)).toEqual([
      'Rejected requests',
      'Signed with expired credentials',
      'Sessions without expiration',
      'Failed refreshes',
      'Signed requests by credential source',
      'Signed requests by expiry state',
      'Time to expiry at signing',
      'Refresh attempts by trigger',
      'Failed refreshes by error',
      'Rejections by error code',
      'Time left on the credentials clients hold',
      'Instrumented clients alive',
    ]);
    expect(dashboard.templating.list.map((variable: { name: string }) => variable.name)).toEqual([
      'datasource',
      'job',
      'instance',
    ]);
  });

  it('every panel query parses as PromQL once Grafana has filled in its variables', () => {
    for (const [title, expr] of targets) {
      const filled = expr
        .replaceAll('$__rate_interval', '1m')
        .replaceAll('$__range', '6h')
        .replace(/\$(job|instance)/g, '.*');
      expect(promqlErrors(filled), title).toBe('');
    }
  });
});

describe('prometheus/alerts.yaml imported into Grafana (Grafana-managed rules from a Prometheus file)', () => {
  // Grafana's converter puts the rule's PromQL into an instant query with refId "query"
  // (pkg/services/ngalert/prom/query.go) and expands annotations with `$value` bound to the evaluation
  // as text (pkg/services/ngalert/state/template/template.go), so a function applied to `$value` fails there.
  const rules = parse(readFileSync(join(PACKAGE_DIR, 'prometheus', 'alerts.yaml'), 'utf8')).groups[0]
    .rules as {
    alert: string;
    annotations: Record<string, string>;
  }[];
  const actions = (template: string) =>
    [...template.matchAll(/\{\{(.*?)\}\}/g)].map((match) => (match[1] as string).trim());

  it('applies a function to $value only where $value is a number (Prometheus), and to the query value otherwise', () => {
    let portable = 0;
    for (const { alert, annotations } of rules) {
      for (const template of Object.values(annotations)) {
        const list = actions(template);
        for (const [index, action] of list.entries()) {
          if (!/\$value \|/.test(action)) continue;
          expect(list[index - 1], alert).toBe('if eq (printf "%T" $value) "float64"');
          expect(list[index + 1], alert).toBe('else');
          expect(list[index + 2], alert).toBe(
            action.replace('$value', `(index $.Values "${GRAFANA_IMPORT_QUERY_REF_ID}").Value`),
          );
          expect(list[index + 3], alert).toBe('end');
          portable++;
        }
        // Nothing reads $values, which Prometheus does not define (a parse error there).
        expect(template, alert).not.toMatch(/\$values\b/);
      }
    }
    expect(portable).toBe(rules.filter((rule) => rule.annotations.description?.includes('$value')).length);
    expect(portable).toBeGreaterThan(0);
  });
});
