import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoute, routeHash, type Route } from './router.ts';

test('parseRoute reads every page from the hash', () => {
  assert.deepEqual(parseRoute(''), { page: 'graph', selection: undefined });
  assert.deepEqual(parseRoute('#/?selection=%2Braw%2Forders'), { page: 'graph', selection: '+raw/orders' });
  assert.deepEqual(parseRoute('#/assets/raw%2Forders?partition=2026-01-02'), { page: 'asset', key: 'raw/orders', partition: '2026-01-02' });
  assert.deepEqual(parseRoute('#/assets/raw/orders'), { page: 'asset', key: 'raw/orders', partition: undefined });
  assert.deepEqual(parseRoute('#/runs'), { page: 'runs' });
  assert.deepEqual(parseRoute('#/runs/r_1'), { page: 'run', runId: 'r_1' });
  assert.equal(parseRoute('#/assets/%E0%A4%A').page, 'not-found');
  assert.equal(parseRoute('#/whatever').page, 'not-found');
});

test('routeHash is the inverse of parseRoute', () => {
  const routes: Route[] = [
    { page: 'graph', selection: undefined },
    { page: 'graph', selection: 'group:raw+' },
    { page: 'asset', key: 'marts/revenue_7d', partition: '2026-01-01' },
    { page: 'asset', key: 'a', partition: undefined },
    { page: 'runs' },
    { page: 'run', runId: 'r_20260101T000000_abcdef' },
  ];
  for (const route of routes) assert.deepEqual(parseRoute(routeHash(route)), route);
});
