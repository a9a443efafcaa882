import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { schemaColumns } from './schema-columns.ts';

test('zod types map to logical column types, whichever way zod 4 records the format', () => {
  const schema = z.object({
    a: z.int(),
    b: z.number().int(),
    c: z.int32(),
    d: z.number(),
    e: z.string().datetime(),
    f: z.iso.datetime(),
    g: z.string().date(),
    h: z.iso.date(),
    i: z.string().nullable(),
    j: z.number().optional(),
    k: z.number().default(1),
    l: z.enum(['x', 'y']),
    m: z.literal('only'),
    n: z.boolean(),
    o: z.date(),
  });
  assert.deepEqual(
    schemaColumns(schema).map((c) => [c.name, c.type, c.nullable]),
    [
      ['a', 'integer', false],
      ['b', 'integer', false],
      ['c', 'integer', false],
      ['d', 'number', false],
      ['e', 'timestamp', false],
      ['f', 'timestamp', false],
      ['g', 'date', false],
      ['h', 'date', false],
      ['i', 'string', true],
      ['j', 'number', true],
      ['k', 'number', false],
      ['l', 'string', false],
      ['m', 'string', false],
      ['n', 'boolean', false],
      ['o', 'timestamp', false],
    ],
  );
  assert.deepEqual(schemaColumns(schema).find((c) => c.name === 'l')?.values, ['x', 'y']);
});
