import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskPiiRows, maskedPiiValue, piiColumnsOf } from './pii-mask.ts';

test('piiColumnsOf keeps only columns tagged with a PII class other than none', () => {
  const fromDocs = piiColumnsOf({ email: { pii: 'direct' }, city: { pii: 'indirect' }, amount: { description: 'x' }, flag: { pii: 'none' } });
  assert.deepEqual([...fromDocs], [['email', 'direct'], ['city', 'indirect']]);
  const fromSummary = piiColumnsOf([{ name: 'raw_line', pii: 'direct' }, { name: 'day', pii: 'none' }]);
  assert.deepEqual([...fromSummary], [['raw_line', 'direct']]);
});

test('maskPiiRows masks every PII value (any case, nested, auto-fix before/after), keeps nulls and other columns', () => {
  const pii = piiColumnsOf({ email: { pii: 'direct' }, health: { pii: 'sensitive' } });
  const rows = [
    { id: 1, email: 'ann@example.com', health: null },
    { id: 2, EMAIL: 'bob@example.com', nested: { email: 'x@y.z', other: 'kept' } },
    { column: 'email', before: ' ANN@example.com', after: 'ann@example.com', _source_line: 3 },
  ];
  const masked = maskPiiRows(rows, pii);
  assert.deepEqual(masked, [
    { id: 1, email: maskedPiiValue('direct'), health: null },
    { id: 2, EMAIL: maskedPiiValue('direct'), nested: { email: maskedPiiValue('direct'), other: 'kept' } },
    { column: 'email', before: maskedPiiValue('direct'), after: maskedPiiValue('direct'), _source_line: 3 },
  ]);
  assert.doesNotMatch(JSON.stringify(masked), /example\.com|x@y/);
  assert.equal(rows[0]!.email, 'ann@example.com', 'the input rows are not changed');
  assert.deepEqual(maskPiiRows(rows, piiColumnsOf({})), rows);
});
