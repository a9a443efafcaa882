import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineAsset } from '../../definitions/index.ts';
import { isQuarryError } from '../../errors.ts';
import { dailyPartitions, hourlyPartitions, monthlyPartitions, staticPartitions, timeWindowPartitions } from '../../partitions/index.ts';
import {
  emptyRelationSql,
  formatLocator,
  inputTableName,
  jobIdOf,
  jobLabels,
  locatorRelationSql,
  mentionedParameters,
  parseLocator,
  partitionIdOf,
  partitionIdRange,
  partitionTypeOf,
  sanitizeLabel,
  splitPlacementSql,
  stagingQuerySql,
  stagingSummarySql,
  stagingTableName,
  tableNameOf,
  undeclaredTables,
  withRelations,
} from './bigquery-sql.ts';
import { loadSqlDialect, parseSql } from '../../dialect/index.ts';

test('bigquery-sql: asset keys name tables, and partitions map to BigQuery partition types and ids', () => {
  assert.equal(tableNameOf('raw/videos'), 'raw__videos');
  assert.equal(tableNameOf('marts/creator-stats'), 'marts__creator_stats');
  const asset = (partitions?: unknown) => defineAsset({ key: 'raw/videos', sql: 'select 1 as a', ...(partitions !== undefined ? { partitions: partitions as never } : {}) });
  assert.equal(partitionTypeOf(asset()), undefined);
  assert.equal(partitionTypeOf(asset(dailyPartitions({ start: '2026-01-01' }))), 'DAY');
  assert.equal(partitionTypeOf(asset(hourlyPartitions({ start: '2026-01-01' }))), 'HOUR');
  assert.equal(partitionTypeOf(asset(monthlyPartitions({ start: '2026-01-01' }))), 'MONTH');
  for (const unsupported of [staticPartitions(['us', 'eu']), timeWindowPartitions({ start: '2026-01-01', grain: '15min' } as never)]) {
    assert.throws(
      () => partitionTypeOf(asset(unsupported)),
      (e: unknown) => isQuarryError(e, 'QUARRY_BIGQUERY_UNSUPPORTED') && e.message.includes('raw/videos') && e.message.includes("engine: 'duckdb'"),
    );
  }
  const start = new Date('2026-01-15T08:00:00Z');
  assert.equal(partitionIdOf(start, 'DAY'), '20260115');
  assert.equal(partitionIdOf(start, 'HOUR'), '2026011508');
  assert.equal(partitionIdOf(start, 'MONTH'), '202601');
  // A Paris day starts at 23:00 UTC the day before: that UTC day is its partition.
  assert.equal(partitionIdOf(new Date('2026-01-14T23:00:00Z'), 'DAY'), '20260114');
  assert.deepEqual(partitionIdRange('20260115'), { start: new Date('2026-01-15T00:00:00Z'), end: new Date('2026-01-16T00:00:00Z') });
  assert.deepEqual(partitionIdRange('2026011508'), { start: new Date('2026-01-15T08:00:00Z'), end: new Date('2026-01-15T09:00:00Z') });
  assert.deepEqual(partitionIdRange('202612'), { start: new Date('2026-12-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z') });
});

test('bigquery-sql: locators parse and format, and bad ones are errors naming them', () => {
  assert.deepEqual(parseLocator('bigquery:acme-data.tiktok.raw__videos$20260115'), { project: 'acme-data', dataset: 'tiktok', table: 'raw__videos', partition: '20260115' });
  assert.deepEqual(parseLocator('bigquery:example.com:proj.d.t'), { project: 'example.com:proj', dataset: 'd', table: 't' });
  assert.equal(formatLocator({ project: 'p', dataset: 'd', table: 't', partition: '2026011508' }), 'bigquery:p.d.t$2026011508');
  assert.equal(formatLocator(parseLocator('bigquery:p.d.t')), 'bigquery:p.d.t');
  for (const bad of ['raw/videos/x.parquet', 'bigquery:p.d', 'bigquery:p.d.t$2026', 'bigquery:p.d.t$x']) {
    assert.throws(() => parseLocator(bad), (e: unknown) => isQuarryError(e, 'QUARRY_ENGINE_ERROR') && e.message.includes(JSON.stringify(bad)));
  }
});

test('bigquery-sql: labels are lowercase [a-z0-9_-] of at most 63 characters, and job ids are unique per attempt', () => {
  assert.equal(sanitizeLabel('Run 2026-01-15T08:00:00Z'), 'run_2026-01-15t08_00_00z');
  assert.equal(sanitizeLabel('raw/videos'), 'raw_videos');
  const long = sanitizeLabel('x'.repeat(100));
  assert.equal(long.length, 63);
  assert.notEqual(long, sanitizeLabel('x'.repeat(101)));
  assert.match(long, /^[a-z0-9_-]+$/);
  assert.deepEqual(jobLabels({ Team: 'Data Eng' }, 'r-1', 'raw/videos', ''), { team: 'data_eng', quarry_run: 'r-1', quarry_asset: 'raw_videos', quarry_partition: 'unpartitioned' });
  const a = jobIdOf('run:1', 'query', 'n1');
  assert.match(a, /^quarry_run_1_[0-9a-f]{16}$/);
  assert.equal(jobIdOf('run:1', 'query', 'n1'), a);
  assert.notEqual(jobIdOf('run:1', 'query', 'n2'), a);
  assert.match(stagingTableName('raw/videos', 'run 7', 'n'), /^_quarry_staging_raw__videos_run_7_[0-9a-f]{12}$/);
  assert.equal(inputTableName(['gs://b/a.parquet', 'gs://b/b.parquet']), inputTableName(['gs://b/b.parquet', 'gs://b/a.parquet']));
  assert.notEqual(inputTableName(['gs://b/a.parquet']), inputTableName(['gs://b/b.parquet']));
});

test('bigquery-sql: named parameters are found outside strings, quoted names and comments', () => {
  assert.deepEqual(mentionedParameters("select @partition_key, '@not' as x, `@nor`, @partition_start -- @no\n/* @none */ from t where a = @partition_key and @@session.time_zone = 'UTC'"), ['partition_key', 'partition_start']);
  assert.deepEqual(mentionedParameters("select 'it\\'s @x' as s, \"\"\"@y\"\"\" as t, @z"), ['z']);
});

test('bigquery-sql: inputs read partitions by _quarry_partition_time range, whole tables, or typed empty relations', () => {
  const sql = locatorRelationSql(['bigquery:p.d.raw__v$20260101', 'bigquery:p.d.raw__v$20260102', 'bigquery:p.d.raw__v$20260105', 'bigquery:p.d.other'].map(parseLocator));
  assert.equal(
    sql,
    "SELECT * EXCEPT(`_quarry_partition_time`) FROM `p.d.raw__v` WHERE (`_quarry_partition_time` >= TIMESTAMP '2026-01-01 00:00:00.000+00' AND `_quarry_partition_time` < TIMESTAMP '2026-01-03 00:00:00.000+00') OR (`_quarry_partition_time` >= TIMESTAMP '2026-01-05 00:00:00.000+00' AND `_quarry_partition_time` < TIMESTAMP '2026-01-06 00:00:00.000+00')\nUNION ALL\nSELECT * FROM `p.d.other`",
  );
  assert.equal(emptyRelationSql([{ name: 'category', type: 'VARCHAR' }, { name: 'n', type: 'BIGINT' }, { name: 'at', type: 'TIMESTAMP WITH TIME ZONE' }, { name: 'x', type: 'FLOAT64' }]), 'SELECT * FROM UNNEST(ARRAY<STRUCT<`category` STRING, `n` INT64, `at` TIMESTAMP, `x` FLOAT64>>[])');
});

test('bigquery-sql: relations go in front of the query, merged into its own WITH', () => {
  const ctes = [{ name: 'events', sql: 'SELECT 1 AS id' }];
  assert.equal(withRelations(ctes, 'select id from events order by id'), 'WITH `events` AS (\nSELECT 1 AS id\n)\nselect id from events order by id');
  assert.equal(withRelations(ctes, 'with x as (select id from events) select * from x'), 'WITH `events` AS (\nSELECT 1 AS id\n),\nx as (select id from events) select * from x');
  assert.equal(withRelations([], 'select 1'), 'select 1');
  assert.equal(
    stagingQuerySql(ctes, 'select id from events -- trailing comment', "TIMESTAMP '2026-01-01 00:00:00.000+00'"),
    "WITH `events` AS (\nSELECT 1 AS id\n)\nSELECT q.*, TIMESTAMP '2026-01-01 00:00:00.000+00' AS `_quarry_partition_time` FROM (\nselect id from events -- trailing comment\n) AS q",
  );
});

test('bigquery-sql: a range split places rows by window, DATE values as wall-clock days in the time zone', () => {
  const windows = [{ start: new Date('2026-01-01T00:00:00Z'), end: new Date('2026-01-02T00:00:00Z') }];
  assert.equal(
    splitPlacementSql('happened_at', 'TIMESTAMP', windows, 'UTC'),
    "(SELECT w.s FROM UNNEST([STRUCT(TIMESTAMP '2026-01-01 00:00:00.000+00' AS s, TIMESTAMP '2026-01-02 00:00:00.000+00' AS e)]) AS w WHERE q.`happened_at` >= w.s AND q.`happened_at` < w.e)",
  );
  assert.match(splitPlacementSql('day', 'DATE', windows, 'Europe/Paris'), /TIMESTAMP\(DATETIME\(q\.`day`\), 'Europe\/Paris'\) >= w\.s/);
});

test('bigquery-sql: the summary digests each row as JSON with FARM_FINGERPRINT, summed mod 2^64 per partition', () => {
  assert.equal(
    stagingSummarySql({ project: 'p', dataset: 'd', table: 's' }, [{ name: 'id', type: 'INT64' }, { name: 'name', type: 'STRING' }], true),
    'SELECT s.`_quarry_partition_time` AS part, COUNT(*) AS row_count, CAST(MOD(SUM(CAST(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(s.`id`, s.`name`))) AS BIGNUMERIC)), 18446744073709551616) AS STRING) AS digest FROM `p.d.s` AS s GROUP BY part',
  );
  assert.match(stagingSummarySql({ project: 'p', dataset: 'd', table: 's' }, [{ name: 'id', type: 'INT64' }], false, 'id'), /^SELECT CAST\(NULL AS TIMESTAMP\) AS part, .*, CAST\(MIN\(s\.`id`\) AS STRING\) AS example, COUNT\(s\.`id`\) AS non_null FROM/);
});

test('bigquery-sql: table references outside the declared inputs and the query’s own CTEs are found', async () => {
  await loadSqlDialect();
  const refs = (sql: string, allowed: string[]) => undeclaredTables(parseSql(sql, 'bigquery'), new Set(allowed));
  assert.deepEqual(refs('with x as (select * from events) select * from x join events e on true, unnest([1]) u', ['events']), []);
  assert.deepEqual(refs('select * from `acme.tiktok.secrets` join events on true', ['events']), ['acme.tiktok.secrets']);
  assert.deepEqual(refs('select * from events where id in (select id from other.t)', ['events']), ['other.t']);
});
