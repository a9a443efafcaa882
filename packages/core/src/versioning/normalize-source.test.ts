import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeSource } from './normalize-source.ts';

test('SQL: comments and whitespace do not matter, literals do', () => {
  const a = normalizeSource("select a,  b -- total\nfrom t /* x */ where s = 'a  b'", 'sql');
  const b = normalizeSource("select a, b\n  from t where s = 'a  b'", 'sql');
  assert.equal(a, b);
  assert.equal(a, "select a,b from t where s='a  b'");
  assert.notEqual(a, normalizeSource("select a, b from t where s = 'a b'", 'sql'));
});

test('SQL: doubled quotes inside literals and -- inside literals are kept', () => {
  assert.equal(normalizeSource("select 'it''s -- not a comment'  as x", 'sql'), "select'it''s -- not a comment'as x");
});

test('SQL: a real edit changes the text', () => {
  assert.notEqual(normalizeSource('select sum(amount) from orders', 'sql'), normalizeSource('select sum(amount) * 2 from orders', 'sql'));
});

test('JS: line and block comments and indentation are dropped, strings kept', () => {
  const a = normalizeSource('async (ctx) => {\n  // fetch\n  return [{ a: "x  y" }]; /* done */\n}', 'js');
  const b = normalizeSource('async (ctx) => { return [{ a: "x  y" }]; }', 'js');
  assert.equal(a, b);
});
