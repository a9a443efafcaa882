import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeSchemaChange, diffSchemas, refusedSchemaChanges, schemaColumnsOf, type RecordedColumn } from './schema-evolution.ts';

const v1: RecordedColumn[] = [
  { name: 'id', type: 'BIGINT', nullable: false },
  { name: 'email', type: 'VARCHAR', nullable: true },
  { name: 'score', type: 'INTEGER', nullable: true },
  { name: 'day', type: 'DATE', nullable: true },
];

test('diffSchemas lists drops, type and nullability changes in the old order, then additions', () => {
  const v2: RecordedColumn[] = [
    { name: 'id', type: 'BIGINT', nullable: true },
    { name: 'score', type: 'DOUBLE', nullable: true },
    { name: 'day', type: 'date', nullable: false },
    { name: 'country', type: 'VARCHAR', nullable: true },
  ];
  assert.deepEqual(diffSchemas(v1, v2), [
    { kind: 'nullability_changed', column: 'id', from: 'not null', to: 'nullable' },
    { kind: 'dropped', column: 'email', type: 'VARCHAR' },
    { kind: 'type_changed', column: 'score', from: 'INTEGER', to: 'DOUBLE' },
    { kind: 'nullability_changed', column: 'day', from: 'nullable', to: 'not null' },
    { kind: 'added', column: 'country', type: 'VARCHAR', nullable: true },
  ]);
  assert.deepEqual(diffSchemas(undefined, v2), [], 'the first version changes nothing');
  assert.deepEqual(diffSchemas(v1, v1), []);
});

test('the additive policy refuses drops, type changes and NOT NULL, allows additions and relaxations; block refuses all', () => {
  const changes = diffSchemas(v1, [
    { name: 'id', type: 'BIGINT', nullable: true },
    { name: 'score', type: 'DOUBLE', nullable: true },
    { name: 'day', type: 'DATE', nullable: false },
    { name: 'country', type: 'VARCHAR', nullable: true },
  ]);
  assert.deepEqual(refusedSchemaChanges('allow', changes), []);
  assert.deepEqual(refusedSchemaChanges('additive', changes).map((c) => `${c.kind}:${c.column}`), ['dropped:email', 'type_changed:score', 'nullability_changed:day']);
  assert.equal(refusedSchemaChanges('block', changes).length, changes.length);
  assert.deepEqual(refusedSchemaChanges('additive', [{ kind: 'added', column: 'x', type: 'INTEGER', nullable: true }]), []);
});

test('describeSchemaChange names the column; schemaColumnsOf reads stored schemas and treats a missing nullable as nullable', () => {
  assert.equal(describeSchemaChange({ kind: 'dropped', column: 'email', type: 'VARCHAR' }), 'dropped column "email" (VARCHAR)');
  assert.equal(describeSchemaChange({ kind: 'type_changed', column: 'score', from: 'INTEGER', to: 'DOUBLE' }), 'changed the type of column "score" from INTEGER to DOUBLE');
  assert.equal(describeSchemaChange({ kind: 'nullability_changed', column: 'day', from: 'nullable', to: 'not null' }), 'made column "day" NOT NULL (was nullable)');
  assert.equal(describeSchemaChange({ kind: 'added', column: 'c', type: 'VARCHAR', nullable: false }), 'added column "c" (VARCHAR NOT NULL)');
  assert.deepEqual(schemaColumnsOf([{ name: 'a', type: 'INTEGER' }, { name: 'b', type: 'VARCHAR', nullable: false }]), [
    { name: 'a', type: 'INTEGER', nullable: true },
    { name: 'b', type: 'VARCHAR', nullable: false },
  ]);
  assert.equal(schemaColumnsOf(null), undefined);
  assert.equal(schemaColumnsOf([{ name: 1 }]), undefined);
});
