import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isQuarryError } from '../errors.ts';
import { defineProject } from './project-definition.ts';
import { DEFAULT_STORAGE_PRICES, local, parseTierDuration, resolveStorageTiers } from './storage-tiers.ts';

const DAY = 86_400_000;

function throwsDefinition(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: unknown) => isQuarryError(error, 'QUARRY_BAD_DEFINITION') && message.test(error.message));
}

test('the issue\'s tiers resolve to ages in milliseconds with the default prices', () => {
  const tiers = resolveStorageTiers({ hot: '30d', warm: '365d', cold: 'after 365d', coldStore: local('/mnt/archive') });
  assert.deepEqual(tiers, { warmAfterMs: 30 * DAY, coldAfterMs: 365 * DAY, coldStore: { kind: 'local', dir: '/mnt/archive' }, prices: DEFAULT_STORAGE_PRICES });
  assert.equal(resolveStorageTiers({ hot: '12h' })?.coldAfterMs, undefined, 'hot alone: warm forever, no cold store needed');
  assert.equal(resolveStorageTiers({ hot: '2w', cold: 'after 52w', coldStore: local('c') })?.coldAfterMs, 364 * DAY, 'cold alone sets where warm ends');
  assert.equal(resolveStorageTiers({ hot: '1d', warm: 'forever', cold: 'never' })?.coldAfterMs, undefined);
  assert.deepEqual(resolveStorageTiers({ hot: '1d', prices: { cold: 0.004 } })?.prices, { hot: 0.02, warm: 0.02, cold: 0.004 });
  assert.equal(resolveStorageTiers(undefined), undefined);
  assert.equal(resolveStorageTiers({}), undefined, 'storage with only lakeDir/retentionDays declares no tiers');
});

test('bad ages and contradictions are QUARRY_BAD_DEFINITION naming the value and what to write', () => {
  for (const bad of ['30', '30 days', '-1d', '0d', '1.5d', '30y', '']) {
    throwsDefinition(() => parseTierDuration(bad, 'Project storage.hot'), new RegExp(`storage\\.hot is ${JSON.stringify(bad).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: write an age above zero`));
  }
  throwsDefinition(() => resolveStorageTiers({ hot: 30 as unknown as string }), /storage\.hot is 30: write an age/);
  throwsDefinition(() => resolveStorageTiers({ warm: '365d' }), /sets warm but not hot/);
  throwsDefinition(() => resolveStorageTiers({ hot: '30d', warm: '7d' }), /storage\.warm \("7d"\) must be longer than storage\.hot \("30d"\)/);
  throwsDefinition(() => resolveStorageTiers({ hot: '30d', warm: '365d', cold: 'after 400d', coldStore: local('c') }), /disagrees with storage\.warm/);
  throwsDefinition(() => resolveStorageTiers({ hot: '30d', cold: 'later' }), /storage\.cold is "later": write 'after 365d'/);
  throwsDefinition(() => resolveStorageTiers({ hot: '30d', warm: '365d', cold: 'never' }), /write warm: 'forever'/);
  throwsDefinition(() => resolveStorageTiers({ hot: '30d', warm: '365d' }), /has a cold tier \(files go cold after 365d\) but no cold store: add coldStore: local\('path\/to\/folder'\)/);
  throwsDefinition(() => resolveStorageTiers({ hot: '30d', coldStore: '/mnt' as never }), /storage\.coldStore is "\/mnt": write coldStore: local/);
  throwsDefinition(() => resolveStorageTiers({ hot: '30d', prices: { hot: -1 } }), /storage\.prices\.hot is -1/);
  throwsDefinition(() => local(''), /local\(""\) needs a folder path/);
});

test('defineProject checks the tiers when the project is declared', () => {
  throwsDefinition(() => defineProject({ assets: [], storage: { hot: 'soon' } }), /storage\.hot is "soon"/);
  const project = defineProject({ assets: [], storage: { hot: '30d', warm: '365d', cold: 'after 365d', coldStore: local('cold'), retentionDays: 7 } });
  assert.equal(project.storage.hot, '30d');
  assert.equal(project.storage.retentionDays, 7);
});
