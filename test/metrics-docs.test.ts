// The Grafana dashboard and docs/metrics.md name exactly the metrics the registry exposes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { QUARRY_METRIC_NAMES } from '@quarry/core';

const names = new Set<string>(Object.values(QUARRY_METRIC_NAMES));
const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

test('the Grafana dashboard queries only metrics Quarry exposes, and covers each area', () => {
  const dashboard = JSON.parse(read('docs/grafana/quarry-dashboard.json')) as { panels: { targets: { expr: string }[] }[] };
  const used = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/\bquarry_[a-z_]+/g) ?? [])));
  for (const name of used) assert.ok(names.has(name.replace(/_bucket$/, '')), `${name} is a Quarry metric`);
  for (const name of Object.values(QUARRY_METRIC_NAMES)) {
    if (name.startsWith('quarry_metrics_') || name === QUARRY_METRIC_NAMES.materializations) continue;
    assert.ok([...used].some((u) => u.startsWith(name)), `the dashboard shows ${name}`);
  }
});

test('docs/metrics.md lists every metric', () => {
  const doc = read('docs/metrics.md');
  for (const name of names) assert.ok(doc.includes(`| \`${name}\` |`), `${name} is documented`);
});
