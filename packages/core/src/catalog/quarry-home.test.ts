import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { resolveQuarryHome } from './quarry-home.ts';

test('resolveQuarryHome: <project>/.quarry by default, $QUARRY_HOME when set', () => {
  assert.deepEqual(resolveQuarryHome('/srv/project', {}), { dir: '/srv/project/.quarry', catalogPath: '/srv/project/.quarry/catalog.sqlite', lakeDir: '/srv/project/.quarry/lake' });
  assert.deepEqual(resolveQuarryHome('/srv/project', { QUARRY_HOME: '/var/quarry' }), { dir: '/var/quarry', catalogPath: '/var/quarry/catalog.sqlite', lakeDir: '/var/quarry/lake' });
  assert.equal(resolveQuarryHome('/srv/project', { QUARRY_HOME: 'state' }).dir, '/srv/project/state', 'a relative QUARRY_HOME is relative to the project');
  assert.equal(resolveQuarryHome('/srv/project', { QUARRY_HOME: '  ' }).dir, '/srv/project/.quarry', 'a blank QUARRY_HOME counts as unset');
  assert.equal(resolveQuarryHome('project', {}).dir, join(resolve('project'), '.quarry'));
});
