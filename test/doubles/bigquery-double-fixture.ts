/**
 * The request shapes the real `@google-cloud/bigquery` client sends to the BigQuery double, kept in
 * `test/fixtures/bigquery-requests.json` so that a new client version that changes them shows up as a
 * failing test. A shape is the method, the path with its ids replaced by `{placeholders}`, the sorted
 * query-string keys and the sorted key paths of the JSON body (three levels deep; label and parameter
 * values left out). Run the double's tests with `QUARRY_RECORD_FIXTURES=1` to rewrite the fixture
 * after reviewing the change. Test infrastructure.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import type { BigQueryDoubleRequest } from './bigquery-double.ts';

/** Where the fixture lives. */
export const REQUEST_FIXTURE = new URL('../fixtures/bigquery-requests.json', import.meta.url);

/** One request shape. */
export interface RequestShape {
  method: string;
  path: string;
  query: string[];
  body: string[];
}

const ID_AFTER = new Set(['projects', 'datasets', 'tables', 'jobs', 'queries']);
const PLACEHOLDER: Readonly<Record<string, string>> = { projects: '{project}', datasets: '{dataset}', tables: '{table}', jobs: '{job}', queries: '{job}' };
// Keys whose children are data (label names), not API fields.
const OPAQUE = new Set(['labels']);

/** The shape of one request. */
export function requestShape(request: BigQueryDoubleRequest): RequestShape {
  const segments = request.path.split('/');
  const path = segments.map((s, i) => (i > 0 && ID_AFTER.has(segments[i - 1]!) ? PLACEHOLDER[segments[i - 1]!]! : s)).join('/');
  const body: string[] = [];
  const walk = (value: unknown, prefix: string, depth: number) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || depth > 3) return;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const keyPath = prefix === '' ? key : `${prefix}.${key}`;
      body.push(keyPath);
      if (!OPAQUE.has(key)) walk(child, keyPath, depth + 1);
    }
  };
  walk(request.body, '', 1);
  return { method: request.method, path, query: Object.keys(request.query).sort(), body: body.sort() };
}

function shapeKey(shape: RequestShape): string {
  return `${shape.method} ${shape.path} ?${shape.query.join('&')} {${shape.body.join(',')}}`;
}

/** The distinct shapes of `requests`, sorted. */
export function distinctShapes(requests: readonly BigQueryDoubleRequest[]): RequestShape[] {
  const shapes = new Map<string, RequestShape>();
  for (const request of requests) {
    const shape = requestShape(request);
    shapes.set(shapeKey(shape), shape);
  }
  return [...shapes.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, s]) => s);
}

/**
 * Asserts that the shapes of `requests` are exactly the recorded ones; with
 * `QUARRY_RECORD_FIXTURES=1` records them instead.
 */
export async function checkRequestShapes(requests: readonly BigQueryDoubleRequest[]): Promise<void> {
  const current = distinctShapes(requests);
  if (process.env.QUARRY_RECORD_FIXTURES === '1') {
    await writeFile(REQUEST_FIXTURE, `${JSON.stringify(current, null, 2)}\n`);
    return;
  }
  const recorded = JSON.parse(await readFile(REQUEST_FIXTURE, 'utf8')) as RequestShape[];
  const now = new Set(current.map(shapeKey));
  const before = new Set(recorded.map(shapeKey));
  const added = [...now].filter((k) => !before.has(k));
  const gone = [...before].filter((k) => !now.has(k));
  assert.deepEqual(
    { added, gone },
    { added: [], gone: [] },
    'The BigQuery client sends requests of other shapes than test/fixtures/bigquery-requests.json records: check the double still answers them as BigQuery does, then rerun with QUARRY_RECORD_FIXTURES=1.',
  );
}
