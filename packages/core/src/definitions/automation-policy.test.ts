import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isQuarryError } from '../errors.ts';
import { defineAsset } from './asset-definition.ts';
import { defineSensor, formatLag } from './automation-policy.ts';
import { defineProject } from './project-definition.ts';

const bad = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, (e) => isQuarryError(e, 'QUARRY_BAD_AUTOMATION') && pattern.test(e.message));

test('freshness, priority and automation are validated when the asset is defined, naming the asset and the value', () => {
  bad(() => defineAsset({ key: 'a', compute: () => [], freshness: { maxLag: 'soon' } }), /Asset "a": freshness.maxLag: "soon" is not a positive duration/);
  bad(() => defineAsset({ key: 'a', compute: () => [], priority: 'urgent' as never }), /Asset "a": priority "urgent" is not one of 'high', 'normal', 'low'/);
  bad(() => defineAsset({ key: 'a', compute: () => [], automation: 'eager' as never }), /Asset "a": automation must be a condition/);
  const ok = defineAsset({ key: 'a', compute: () => [], freshness: { maxLag: '26h' }, priority: 'high' });
  assert.deepEqual(ok.freshness, { maxLag: '26h', maxLagMs: 26 * 3_600_000 });
  assert.equal(ok.priority, 'high');
});

test('sensors and the queue settings are validated by defineSensor and defineProject', () => {
  bad(() => defineSensor({ name: 'has space', every: '1m', evaluate: () => [] }), /Sensor name "has space" is invalid/);
  bad(() => defineSensor({ name: 's', every: 'often', evaluate: () => [] }), /Sensor "s": every: "often"/);
  const s = defineSensor({ name: 's', every: '90s', evaluate: () => [] });
  assert.equal(s.everyMs, 90_000);
  assert.equal(s.timeoutMs, 60_000);
  bad(() => defineProject({ assets: [], sensors: [s, s] }), /two sensors named "s"/);
  bad(() => defineProject({ assets: [], automation: { maxConcurrentRuns: 0 } }), /maxConcurrentRuns must be a whole number ≥ 1, got 0/);
  bad(() => defineProject({ assets: [], automation: { pools: { bigquery: 1 } } }), /pool "bigquery" must be 'tag:NAME'/);
  assert.deepEqual(defineProject({ assets: [], automation: { pools: { 'tag:bigquery': 1 } } }).automation, { maxConcurrentRuns: 1, pools: { 'tag:bigquery': 1 } });
});

test('formatLag: the one wording of a lag, truncated (never rounded up to the limit it is under)', () => {
  assert.equal(formatLag(null), 'never materialized');
  assert.equal(formatLag(0), '0s');
  assert.equal(formatLag(45_000), '45s');
  assert.equal(formatLag(29 * 60_000 + 59_000), '29m');
  assert.equal(formatLag(89 * 60_000 + 40_000), '1h 29m');
  assert.equal(formatLag(26 * 3_600_000), '26h');
  assert.equal(formatLag(50 * 3_600_000), '2d 2h');
});
