import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PiiClass } from '../definitions/index.ts';
import type { ColumnLineage, ColumnTransformation } from './column-lineage-types.ts';
import { propagatePii } from './pii-propagation.ts';

const identity: ColumnTransformation = { type: 'DIRECT', subtype: 'IDENTITY' };
const upper: ColumnTransformation = { type: 'DIRECT', subtype: 'TRANSFORMATION', description: 'upper(email)' };
const hashed: ColumnTransformation = { type: 'DIRECT', subtype: 'TRANSFORMATION', description: 'sha256(email)', masking: true };
const counted: ColumnTransformation = { type: 'DIRECT', subtype: 'AGGREGATION', description: 'count(email)', masking: true };
const grouped: ColumnTransformation = { type: 'INDIRECT', subtype: 'GROUP_BY' };

const declared = new Map<string, Record<string, PiiClass>>([
  ['raw/users', { email: 'email', user_id: 'user_id', country: 'none' }],
  ['core/users', { Email_Kept: 'none' }],
]);
const lineage: Record<string, ColumnLineage> = {
  'core/users': {
    EMAIL: [{ asset: 'raw/users', column: 'email', transformations: [upper] }],
    email_kept: [{ asset: 'raw/users', column: 'email', transformations: [identity] }],
    email_hash: [{ asset: 'raw/users', column: 'email', transformations: [hashed] }],
    id: [{ asset: 'raw/users', column: 'USER_ID', transformations: [identity] }],
    country: [{ asset: 'raw/users', column: 'country', transformations: [identity] }],
  },
  'marts/by_country': {
    country: [
      { asset: 'core/users', column: 'country', transformations: [identity] },
      { asset: 'core/users', column: 'email', transformations: [grouped] },
    ],
    users: [{ asset: 'core/users', column: 'email', transformations: [counted] }],
    contact: [
      { asset: 'core/users', column: 'country', transformations: [identity] },
      { asset: 'core/users', column: 'email', transformations: [identity] },
      { asset: 'core/users', column: 'id', transformations: [identity] },
    ],
  },
};
const order = ['raw/users', 'core/users', 'marts/by_country'];

test('a column derived DIRECT from a PII column is PII of its class, through two hops, matching columns in any case', async () => {
  const pii = await propagatePii(order, declared, (key) => lineage[key]);
  assert.deepEqual(pii.get('raw/users')?.get('email'), { class: 'email', source: 'declared' });
  assert.deepEqual(pii.get('core/users')?.get('EMAIL'), { class: 'email', source: 'propagated', from: [{ asset: 'raw/users', column: 'email' }] });
  assert.deepEqual(pii.get('core/users')?.get('id'), { class: 'user_id', source: 'propagated', from: [{ asset: 'raw/users', column: 'USER_ID' }] });
  assert.deepEqual(pii.get('marts/by_country')?.get('contact'), {
    class: 'email',
    source: 'propagated',
    from: [
      { asset: 'core/users', column: 'email' },
      { asset: 'core/users', column: 'id' },
    ],
  });
});

test('masking and INDIRECT transformations do not carry PII, and an explicit pii: none stops it', async () => {
  const pii = await propagatePii(order, declared, (key) => lineage[key]);
  assert.equal(pii.get('core/users')?.get('email_hash'), undefined, 'a hash masks');
  assert.equal(pii.get('core/users')?.get('email_kept'), undefined, "declared 'none' (in another case) wins");
  assert.equal(pii.get('core/users')?.get('country'), undefined, 'country is declared none upstream');
  assert.equal(pii.get('marts/by_country')?.get('country'), undefined, 'grouping by email does not make country PII');
  assert.equal(pii.get('marts/by_country')?.get('users'), undefined, 'a count masks');
  assert.deepEqual([...(pii.get('core/users')?.keys() ?? [])].sort(), ['EMAIL', 'id']);
});

test('a declared class wins over a propagated one, and an async provider works like a sync one', async () => {
  const withDeclared = new Map(declared).set('marts/by_country', { contact: 'name' });
  const pii = await propagatePii(order, withDeclared, async (key) => lineage[key]);
  assert.deepEqual(pii.get('marts/by_country')?.get('contact'), { class: 'name', source: 'declared' });
});

test('an asset visited before its upstream (a wrong order) gets nothing from it, and no lineage means declared only', async () => {
  const pii = await propagatePii(['core/users', 'raw/users'], declared, (key) => lineage[key]);
  assert.equal(pii.get('core/users'), undefined);
  const declaredOnly = await propagatePii(order, declared, () => undefined);
  assert.deepEqual([...declaredOnly.keys()], ['raw/users']);
});
