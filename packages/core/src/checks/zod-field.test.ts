import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { inspectRowSchema, inspectZodField } from './index.ts';

describe('zod field inspection', () => {
  test('types, optionality, defaults and numeric bounds', () => {
    const f = inspectZodField('followers', z.number().int().nonnegative().max(10));
    assert.equal(f.kind, 'int');
    assert.deepEqual([f.min, f.max], [{ value: 0, inclusive: true }, { value: 10, inclusive: true }]);
    const p = inspectZodField('x', z.number().positive().lt(5).optional());
    assert.deepEqual([p.kind, p.optional, p.min, p.max], ['number', true, { value: 0, inclusive: false }, { value: 5, inclusive: false }]);
    const i32 = inspectZodField('x', z.int32().nullable());
    assert.deepEqual([i32.kind, i32.nullable, i32.min?.value, i32.max?.value], ['int', true, -2147483648, 2147483647]);
    const d = inspectZodField('x', z.number().int().default(3));
    assert.deepEqual([d.optional, d.hasDefault, d.defaultValue], [true, true, 3]);
    assert.equal(inspectZodField('x', z.iso.datetime()).kind, 'datetime');
    assert.equal(inspectZodField('x', z.string().datetime()).kind, 'datetime');
    assert.equal(inspectZodField('x', z.iso.date()).kind, 'date');
    assert.equal(inspectZodField('x', z.date()).kind, 'timestamp');
    assert.deepEqual(inspectZodField('x', z.enum(['a', 'b'])).enumValues, ['a', 'b']);
    assert.equal(inspectZodField('x', z.array(z.string())).kind, 'unknown');
  });

  test('string rules: lengths and RE2-compatible patterns; the rest goes to JavaScript', () => {
    const s = inspectZodField('handle', z.string().min(2).max(30).regex(/^[a-z]+$/i));
    assert.deepEqual([s.minLength, s.maxLength], [2, 30]);
    assert.deepEqual(s.patterns, [{ source: '^[a-z]+$', caseInsensitive: true, format: 'regex' }]);
    assert.deepEqual(s.jsOnly, []);
    assert.deepEqual(inspectZodField('x', z.string().regex(/^(?!admin)/)).jsOnly, ['regex']);
    assert.deepEqual(inspectZodField('x', z.url()).jsOnly, ['url']);
    assert.deepEqual(inspectZodField('x', z.number().refine((v) => v !== 3)).jsOnly, ['custom']);
    assert.equal(inspectZodField('x', z.email()).patterns[0]?.format, 'email');
  });

  test('object schemas: field order and object-level refinements', () => {
    const { fields, objectRefinements } = inspectRowSchema(z.object({ b: z.string(), a: z.number() }).refine(() => true));
    assert.deepEqual(fields.map((f) => f.name), ['b', 'a']);
    assert.equal(objectRefinements, true);
    assert.throws(() => inspectRowSchema(z.string() as never), /must be a z\.object/);
  });
});
