/**
 * The BigQuery double's storage: one in-memory DuckDB database attached under the project id, one
 * DuckDB schema per dataset, BigQuery table metadata (schema, time partitioning, clustering) beside
 * it, and the writes BigQuery's jobs do (write dispositions, partition decorators). Test infrastructure.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBType, DuckDBTypeId, DuckDBListType, DuckDBStructType, DuckDBDecimalType } from '@duckdb/node-api';
import { DUCKDB_MACROS, quoteIdent, quoteString } from './bigquery-double-sql.ts';

/** An error the double answers with BigQuery's error shape. */
export class BigQueryApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly location?: string,
  ) {
    super(message);
  }
}

/** A BigQuery schema field as the REST API carries it. */
export interface BqField {
  name: string;
  type: string;
  mode?: string;
  fields?: BqField[];
  description?: string;
}

/** `timePartitioning` of a table. */
export interface BqTimePartitioning {
  type: string;
  field?: string;
  expirationMs?: string;
  requirePartitionFilter?: boolean;
}

/** What the double keeps of a table besides its rows. */
export interface TableMeta {
  dataset: string;
  table: string;
  schema: BqField[];
  timePartitioning?: BqTimePartitioning;
  clustering?: { fields: string[] };
  labels?: Record<string, string>;
  description?: string;
  expirationTime?: string;
  creationTime: number;
  lastModifiedTime: number;
  /** Bumped on every write; keys the size cache. */
  version: number;
}

/** What the double keeps of a dataset. */
export interface DatasetMeta {
  datasetId: string;
  location: string;
  labels?: Record<string, string>;
  description?: string;
  defaultTableExpirationMs?: string;
  creationTime: number;
  lastModifiedTime: number;
}

/** A table (or one partition of it, `$` decorator) a job names. */
export interface TableRef {
  projectId?: string;
  datasetId: string;
  tableId: string;
}

/** Partition id formats by `timePartitioning.type` (DuckDB strftime). */
const PARTITION_FORMATS: Readonly<Record<string, string>> = { HOUR: '%Y%m%d%H', DAY: '%Y%m%d', MONTH: '%Y%m', YEAR: '%Y' };

/** A mutex: the double runs one DuckDB statement sequence at a time. */
class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** The double's DuckDB database and table metadata. */
export class BigQueryStore {
  readonly datasets = new Map<string, DatasetMeta>();
  readonly tables = new Map<string, TableMeta>();
  private readonly serial = new Serial();
  private readonly sizeCache = new Map<string, { version: number; sizes: Map<string, Map<string, number>> }>();
  private tempCounter = 0;

  private constructor(
    readonly projectId: string,
    readonly location: string,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  /** Opens the in-memory DuckDB database named after the project. */
  static async open(projectId: string, location: string): Promise<BigQueryStore> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(`ATTACH ':memory:' AS ${quoteIdent(projectId)}`);
    await connection.run(`USE ${quoteIdent(projectId)}`);
    await connection.run(`SET TimeZone = 'UTC'`);
    await connection.run(`CREATE SCHEMA _double_temp`);
    for (const macro of DUCKDB_MACROS) await connection.run(macro);
    return new BigQueryStore(projectId, location, instance, connection);
  }

  /** Runs `work` alone on the connection. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.serial.run(work);
  }

  /** Closes DuckDB. */
  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  /** `"project"."dataset"."table"`. */
  qualified(dataset: string, table: string): string {
    return `${quoteIdent(this.projectId)}.${quoteIdent(dataset)}.${quoteIdent(table)}`;
  }

  /** A fresh name in the double's own schema for intermediate results. */
  tempName(prefix: string): { dataset: string; table: string; sql: string } {
    this.tempCounter += 1;
    const table = `${prefix}_${this.tempCounter}`;
    return { dataset: '_double_temp', table, sql: this.qualified('_double_temp', table) };
  }

  /** The dataset, or BigQuery's 404. */
  dataset(datasetId: string): DatasetMeta {
    const dataset = this.datasets.get(datasetId);
    if (dataset === undefined) throw new BigQueryApiError(404, 'notFound', `Not found: Dataset ${this.projectId}:${datasetId}`);
    return dataset;
  }

  /** The table, or BigQuery's 404 (naming the dataset when that is what is missing). */
  table(datasetId: string, tableId: string): TableMeta {
    this.dataset(datasetId);
    const table = this.tables.get(`${datasetId}.${tableId}`);
    if (table === undefined) throw new BigQueryApiError(404, 'notFound', `Not found: Table ${this.projectId}:${datasetId}.${tableId}`);
    return table;
  }

  /** Runs SQL and returns the rows as objects. */
  async query(sql: string): Promise<Array<Record<string, unknown>>> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJS() as Array<Record<string, unknown>>;
  }

  /** The DuckDB columns of a relation (a table or a query), with their types. */
  async describe(relationSql: string): Promise<Array<{ name: string; type: DuckDBType }>> {
    const query = /^\s*(SELECT|WITH|FROM|VALUES|\()/i.test(relationSql) ? `SELECT * FROM (${relationSql})` : `SELECT * FROM ${relationSql}`;
    const prepared = await this.connection.prepare(`${query} LIMIT 0`);
    const result = await prepared.run();
    return result.columnNames().map((name, i) => ({ name, type: result.columnType(i) }));
  }

  /** Creates a dataset (a DuckDB schema). */
  async createDataset(meta: DatasetMeta): Promise<void> {
    if (this.datasets.has(meta.datasetId)) throw new BigQueryApiError(409, 'duplicate', `Already Exists: Dataset ${this.projectId}:${meta.datasetId}`);
    await this.connection.run(`CREATE SCHEMA ${quoteIdent(meta.datasetId)}`);
    this.datasets.set(meta.datasetId, meta);
  }

  /** Drops a dataset; without `deleteContents` a dataset holding tables is BigQuery's 400. */
  async deleteDataset(datasetId: string, deleteContents: boolean): Promise<void> {
    this.dataset(datasetId);
    const tables = [...this.tables.values()].filter((t) => t.dataset === datasetId);
    if (tables.length > 0 && !deleteContents) {
      throw new BigQueryApiError(400, 'resourceInUse', `Dataset ${this.projectId}:${datasetId} is still in use`);
    }
    await this.connection.run(`DROP SCHEMA ${quoteIdent(datasetId)} CASCADE`);
    for (const t of tables) this.tables.delete(`${t.dataset}.${t.table}`);
    this.datasets.delete(datasetId);
  }

  /** Creates an empty table from a BigQuery schema. */
  async createTable(meta: Omit<TableMeta, 'version' | 'creationTime' | 'lastModifiedTime'>): Promise<TableMeta> {
    this.dataset(meta.dataset);
    if (this.tables.has(`${meta.dataset}.${meta.table}`)) {
      throw new BigQueryApiError(409, 'duplicate', `Already Exists: Table ${this.projectId}:${meta.dataset}.${meta.table}`);
    }
    validatePartitioning(meta.schema, meta.timePartitioning, meta.clustering);
    const columns = meta.schema.map((f) => `${quoteIdent(f.name)} ${duckDbType(f)}`).join(', ');
    await this.connection.run(`CREATE TABLE ${this.qualified(meta.dataset, meta.table)} (${columns})`);
    const now = Date.now();
    const full: TableMeta = { ...meta, schema: meta.schema.map(normalizeField), creationTime: now, lastModifiedTime: now, version: 0 };
    this.tables.set(`${meta.dataset}.${meta.table}`, full);
    return full;
  }

  /** Drops a table. */
  async deleteTable(datasetId: string, tableId: string): Promise<void> {
    this.table(datasetId, tableId);
    await this.connection.run(`DROP TABLE ${this.qualified(datasetId, tableId)}`);
    this.tables.delete(`${datasetId}.${tableId}`);
    this.sizeCache.delete(`${datasetId}.${tableId}`);
  }

  /** The SQL expression of a row's partition id in a partitioned table (`__NULL__` for NULL). */
  partitionIdSql(meta: TableMeta, column = meta.timePartitioning?.field): string {
    const format = PARTITION_FORMATS[(meta.timePartitioning?.type ?? 'DAY').toUpperCase()] ?? '%Y%m%d';
    return `COALESCE(strftime(${quoteIdent(column ?? '_PARTITIONTIME')}, ${quoteString(format)}), '__NULL__')`;
  }

  /** Checks a `$` decorator against the table's partitioning; BigQuery's 400 `invalid` otherwise. */
  checkDecorator(meta: TableMeta, decorator: string): void {
    const where = `${this.projectId}:${meta.dataset}.${meta.table}$${decorator}`;
    if (meta.timePartitioning === undefined) throw new BigQueryApiError(400, 'invalid', `Cannot read or write partition ${decorator} of non-partitioned table ${where}`);
    if (decorator === '__NULL__') return;
    const type = meta.timePartitioning.type.toUpperCase();
    const lengths: Record<string, number> = { YEAR: 4, MONTH: 6, DAY: 8, HOUR: 10 };
    const valid = /^\d+$/.test(decorator) && decorator.length === lengths[type] && validPartitionDate(decorator);
    if (!valid) throw new BigQueryApiError(400, 'invalid', `Invalid partition decorator ${decorator} for table ${where} partitioned by ${type}`);
  }

  /** Number of rows and logical bytes of a table (or one partition). */
  async tableStats(meta: TableMeta, partition?: string): Promise<{ rows: number; bytes: number }> {
    const sizes = await this.columnSizes(meta);
    let bytes = 0;
    for (const [part, columns] of sizes) {
      if (partition !== undefined && part !== partition) continue;
      for (const [name, size] of columns) if (name !== '__rows__') bytes += size;
    }
    let rows = 0;
    for (const [part, columns] of sizes) if (partition === undefined || part === partition) rows += columns.get('__rows__') ?? 0;
    return { rows, bytes };
  }

  /**
   * Logical bytes per partition per column, by BigQuery's data size rules: INT64, FLOAT64, DATE,
   * DATETIME, TIME, TIMESTAMP 8 bytes; BOOL 1; NUMERIC 16; BIGNUMERIC 32; STRING and BYTES 2 + length;
   * JSON, ARRAY and STRUCT the length of their JSON text; NULL 0. Unpartitioned tables have the one
   * partition `__UNPARTITIONED__`.
   */
  async columnSizes(meta: TableMeta): Promise<Map<string, Map<string, number>>> {
    const key = `${meta.dataset}.${meta.table}`;
    const cached = this.sizeCache.get(key);
    if (cached !== undefined && cached.version === meta.version) return cached.sizes;
    const columns = await this.describe(this.qualified(meta.dataset, meta.table));
    const partition = meta.timePartitioning !== undefined ? this.partitionIdSql(meta) : `'__UNPARTITIONED__'`;
    const sums = columns.map((c, i) => `COALESCE(SUM(CASE WHEN ${quoteIdent(c.name)} IS NULL THEN 0 ELSE ${sizeExpression(quoteIdent(c.name), c.type)} END), 0)::BIGINT AS c${i}`);
    const rows = await this.query(`SELECT ${partition} AS p, COUNT(*)::BIGINT AS n${sums.length > 0 ? ', ' : ''}${sums.join(', ')} FROM ${this.qualified(meta.dataset, meta.table)} GROUP BY ALL`);
    const sizes = new Map<string, Map<string, number>>();
    for (const row of rows) {
      const perColumn = new Map<string, number>([['__rows__', Number(row.n)]]);
      columns.forEach((c, i) => perColumn.set(c.name.toLowerCase(), Number(row[`c${i}`])));
      sizes.set(String(row.p), perColumn);
    }
    this.sizeCache.set(key, { version: meta.version, sizes });
    return sizes;
  }

  /** The BigQuery schema of a DuckDB relation (keeping `mode`/`description` declared in `declared`). */
  async schemaOf(relationSql: string, declared: BqField[] = []): Promise<BqField[]> {
    const columns = await this.describe(relationSql);
    return columns.map((c) => {
      const field = bqField(c.name, c.type);
      const before = declared.find((d) => d.name.toLowerCase() === c.name.toLowerCase());
      if (before?.mode !== undefined && field.mode !== 'REPEATED') field.mode = before.mode;
      if (before?.description !== undefined) field.description = before.description;
      return field;
    });
  }

  /**
   * Writes the rows of `sourceSql` into `dest` (optionally one `$partition`) as a job with these
   * dispositions does, in one DuckDB transaction; returns the number of rows written.
   */
  async write(options: {
    sourceSql: string;
    dest: TableRef;
    writeDisposition: string;
    createDisposition: string;
    timePartitioning?: BqTimePartitioning;
    clustering?: { fields: string[] };
    schema?: BqField[];
    /** When the destination is created: take partitioning from here unless the job gives one (copy). */
    like?: TableMeta;
  }): Promise<number> {
    const [tableId, decorator] = splitDecorator(options.dest.tableId);
    const datasetId = options.dest.datasetId;
    if (options.dest.projectId !== undefined && options.dest.projectId !== this.projectId) {
      throw new BigQueryApiError(404, 'notFound', `Not found: Project ${options.dest.projectId}`);
    }
    this.dataset(datasetId);
    let meta = this.tables.get(`${datasetId}.${tableId}`);
    const sourceColumns = await this.describe(options.sourceSql);
    if (meta === undefined) {
      if (options.createDisposition === 'CREATE_NEVER') throw new BigQueryApiError(404, 'notFound', `Not found: Table ${this.projectId}:${datasetId}.${tableId}`);
      const schema = options.schema ?? sourceColumns.map((c) => bqField(c.name, c.type));
      const timePartitioning = options.timePartitioning ?? options.like?.timePartitioning;
      const clustering = options.clustering ?? options.like?.clustering;
      meta = await this.createTable({
        dataset: datasetId,
        table: tableId,
        schema,
        ...(timePartitioning !== undefined ? { timePartitioning } : {}),
        ...(clustering !== undefined ? { clustering } : {}),
      });
    } else if (options.timePartitioning !== undefined && !samePartitioning(meta.timePartitioning, options.timePartitioning)) {
      throw new BigQueryApiError(
        400,
        'invalid',
        `Incompatible table partitioning specification. Expects partitioning specification ${describePartitioning(meta.timePartitioning)}, but input partitioning specification is ${describePartitioning(options.timePartitioning)}`,
      );
    }
    if (decorator !== undefined) this.checkDecorator(meta, decorator);
    const target = this.qualified(datasetId, tableId);
    const tableColumns = await this.describe(target);
    const known = new Set(tableColumns.map((c) => c.name.toLowerCase()));
    const replaceWhole = options.writeDisposition === 'WRITE_TRUNCATE' && decorator === undefined;
    if (!replaceWhole) {
      const extra = sourceColumns.filter((c) => !known.has(c.name.toLowerCase()));
      if (extra.length > 0) {
        throw new BigQueryApiError(400, 'invalid', `Provided Schema does not match Table ${this.projectId}:${datasetId}.${tableId}. Cannot add fields (field: ${extra[0]!.name})`);
      }
    }
    const staged = this.tempName('write');
    await this.connection.run(`CREATE TABLE ${staged.sql} AS SELECT * FROM (${options.sourceSql})`);
    try {
      if (decorator !== undefined) {
        const stagedMeta: TableMeta = { ...meta, dataset: staged.dataset, table: staged.table };
        const outside = await this.query(`SELECT DISTINCT ${this.partitionIdSql(stagedMeta)} AS p FROM ${staged.sql} WHERE ${this.partitionIdSql(stagedMeta)} <> ${quoteString(decorator)} LIMIT 3`);
        if (outside.length > 0) {
          throw new BigQueryApiError(400, 'invalid', `Some rows belong to different partitions rather than destination partition ${decorator} (for example ${outside.map((r) => String(r.p)).join(', ')})`);
        }
      }
      const rows = Number((await this.query(`SELECT COUNT(*)::BIGINT AS n FROM ${staged.sql}`))[0]!.n);
      if (options.writeDisposition === 'WRITE_EMPTY') {
        const scope = decorator !== undefined ? ` WHERE ${this.partitionIdSql(meta)} = ${quoteString(decorator)}` : '';
        const existing = Number((await this.query(`SELECT COUNT(*)::BIGINT AS n FROM ${target}${scope}`))[0]!.n);
        if (existing > 0) throw new BigQueryApiError(409, 'duplicate', `Already Exists: Table ${this.projectId}:${datasetId}.${tableId}${decorator !== undefined ? `$${decorator}` : ''}`);
      }
      await this.connection.run('BEGIN TRANSACTION');
      try {
        if (replaceWhole) {
          await this.connection.run(`DROP TABLE ${target}`);
          await this.connection.run(`CREATE TABLE ${target} AS SELECT * FROM ${staged.sql}`);
        } else {
          if (options.writeDisposition === 'WRITE_TRUNCATE') await this.connection.run(`DELETE FROM ${target} WHERE ${this.partitionIdSql(meta)} = ${quoteString(decorator!)}`);
          await this.connection.run(`INSERT INTO ${target} BY NAME SELECT * FROM ${staged.sql}`);
        }
        await this.connection.run('COMMIT');
      } catch (error) {
        await this.connection.run('ROLLBACK');
        throw error;
      }
      if (replaceWhole) {
        meta.schema = await this.schemaOf(target, meta.schema);
        validatePartitioning(meta.schema, meta.timePartitioning, meta.clustering);
      }
      meta.version += 1;
      meta.lastModifiedTime = Date.now();
      return rows;
    } finally {
      await this.connection.run(`DROP TABLE IF EXISTS ${staged.sql}`);
    }
  }

  /** SQL selecting a table's rows, or one partition's (`$decorator`). */
  selectSql(ref: TableRef): { sql: string; meta: TableMeta; decorator?: string } {
    const [tableId, decorator] = splitDecorator(ref.tableId);
    if (ref.projectId !== undefined && ref.projectId !== this.projectId) throw new BigQueryApiError(404, 'notFound', `Not found: Project ${ref.projectId}`);
    const meta = this.table(ref.datasetId, tableId);
    const from = this.qualified(ref.datasetId, tableId);
    if (decorator === undefined) return { sql: `SELECT * FROM ${from}`, meta };
    this.checkDecorator(meta, decorator);
    return { sql: `SELECT * FROM ${from} WHERE ${this.partitionIdSql(meta)} = ${quoteString(decorator)}`, meta, decorator };
  }

  /** Keeps the metadata in step with DuckDB after a DDL statement (CREATE/DROP TABLE in SQL). */
  async syncCatalog(): Promise<void> {
    const rows = await this.query(`SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ${quoteString(this.projectId)} AND schema_name <> '_double_temp'`);
    const present = new Set(rows.map((r) => `${String(r.schema_name)}.${String(r.table_name)}`));
    for (const key of [...this.tables.keys()]) if (!present.has(key)) this.tables.delete(key);
    for (const row of rows) {
      const key = `${String(row.schema_name)}.${String(row.table_name)}`;
      const existing = this.tables.get(key);
      const schema = await this.schemaOf(this.qualified(String(row.schema_name), String(row.table_name)), existing?.schema);
      if (existing === undefined) {
        const now = Date.now();
        this.tables.set(key, { dataset: String(row.schema_name), table: String(row.table_name), schema, creationTime: now, lastModifiedTime: now, version: 0 });
      } else {
        existing.schema = schema;
        existing.version += 1;
      }
    }
  }
}

/** `table$20240101` → `['table', '20240101']`. */
export function splitDecorator(tableId: string): [string, string | undefined] {
  const at = tableId.indexOf('$');
  return at < 0 ? [tableId, undefined] : [tableId.slice(0, at), tableId.slice(at + 1)];
}

function validPartitionDate(id: string): boolean {
  const year = Number(id.slice(0, 4));
  const month = id.length >= 6 ? Number(id.slice(4, 6)) : 1;
  const day = id.length >= 8 ? Number(id.slice(6, 8)) : 1;
  const hour = id.length >= 10 ? Number(id.slice(8, 10)) : 0;
  const date = new Date(Date.UTC(year, month - 1, day, hour));
  return year >= 1 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day && date.getUTCHours() === hour;
}

function samePartitioning(a: BqTimePartitioning | undefined, b: BqTimePartitioning | undefined): boolean {
  return (a?.type ?? '').toUpperCase() === (b?.type ?? '').toUpperCase() && (a?.field ?? '').toLowerCase() === (b?.field ?? '').toLowerCase();
}

function describePartitioning(p: BqTimePartitioning | undefined): string {
  return p === undefined ? 'none' : `interval(type:${p.type.toLowerCase()},field:${p.field ?? '_PARTITIONTIME'})`;
}

/** Checks a table's partitioning and clustering against its schema as BigQuery does (400 invalid). */
export function validatePartitioning(schema: BqField[], partitioning: BqTimePartitioning | undefined, clustering: { fields: string[] } | undefined): void {
  if (partitioning !== undefined) {
    const type = (partitioning.type ?? '').toUpperCase();
    if (PARTITION_FORMATS[type] === undefined) throw new BigQueryApiError(400, 'invalid', `Invalid time partitioning type ${partitioning.type}`);
    if (partitioning.field === undefined) throw new BigQueryApiError(400, 'invalid', 'Ingestion-time partitioning (no timePartitioning.field) is not supported by the BigQuery double');
    const field = schema.find((f) => f.name.toLowerCase() === partitioning.field!.toLowerCase());
    if (field === undefined) throw new BigQueryApiError(400, 'invalid', `The field specified for partitioning cannot be found in the schema: ${partitioning.field}`);
    const fieldType = normalizeType(field.type);
    if (!['TIMESTAMP', 'DATE', 'DATETIME'].includes(fieldType)) {
      throw new BigQueryApiError(400, 'invalid', `Partitioning field ${field.name} has type ${fieldType}; it must be DATE, TIMESTAMP or DATETIME`);
    }
    if (fieldType === 'DATE' && type === 'HOUR') throw new BigQueryApiError(400, 'invalid', `DATE field ${field.name} cannot be partitioned by HOUR`);
  }
  for (const name of clustering?.fields ?? []) {
    if (!schema.some((f) => f.name.toLowerCase() === name.toLowerCase())) throw new BigQueryApiError(400, 'invalid', `The field specified for clustering cannot be found in the schema: ${name}`);
  }
  if ((clustering?.fields.length ?? 0) > 4) throw new BigQueryApiError(400, 'invalid', 'Too many clustering fields: at most 4');
}

const TYPE_ALIASES: Readonly<Record<string, string>> = {
  INT64: 'INTEGER',
  FLOAT64: 'FLOAT',
  BOOL: 'BOOLEAN',
  STRUCT: 'RECORD',
  BIGDECIMAL: 'BIGNUMERIC',
  DECIMAL: 'NUMERIC',
};

/** The legacy type name BigQuery's API answers with (`INT64` → `INTEGER`). */
export function normalizeType(type: string): string {
  const upper = type.toUpperCase();
  return TYPE_ALIASES[upper] ?? upper;
}

function normalizeField(field: BqField): BqField {
  const out: BqField = { name: field.name, type: normalizeType(field.type), mode: (field.mode ?? 'NULLABLE').toUpperCase() };
  if (field.fields !== undefined) out.fields = field.fields.map(normalizeField);
  if (field.description !== undefined) out.description = field.description;
  return out;
}

/** The DuckDB type of a BigQuery field. */
export function duckDbType(field: BqField): string {
  const type = normalizeType(field.type);
  let base: string;
  switch (type) {
    case 'STRING':
      base = 'VARCHAR';
      break;
    case 'BYTES':
      base = 'BLOB';
      break;
    case 'INTEGER':
      base = 'BIGINT';
      break;
    case 'FLOAT':
      base = 'DOUBLE';
      break;
    case 'NUMERIC':
      base = 'DECIMAL(38,9)';
      break;
    case 'BIGNUMERIC':
      base = 'DECIMAL(38,0)';
      break;
    case 'BOOLEAN':
      base = 'BOOLEAN';
      break;
    case 'TIMESTAMP':
      base = 'TIMESTAMPTZ';
      break;
    case 'DATETIME':
      base = 'TIMESTAMP';
      break;
    case 'DATE':
    case 'TIME':
    case 'JSON':
      base = type;
      break;
    case 'RECORD':
      base = `STRUCT(${(field.fields ?? []).map((f) => `${quoteIdent(f.name)} ${duckDbType(f)}`).join(', ')})`;
      break;
    default:
      throw new BigQueryApiError(400, 'invalid', `Unsupported field type ${field.type} (field ${field.name})`);
  }
  return (field.mode ?? '').toUpperCase() === 'REPEATED' ? `${base}[]` : base;
}

/** The BigQuery field of a DuckDB column. */
export function bqField(name: string, type: DuckDBType): BqField {
  if (type.typeId === DuckDBTypeId.LIST || type.typeId === DuckDBTypeId.ARRAY) {
    const inner = bqField(name, (type as DuckDBListType).valueType);
    return { ...inner, mode: 'REPEATED' };
  }
  if (type.typeId === DuckDBTypeId.STRUCT) {
    const struct = type as DuckDBStructType;
    return { name, type: 'RECORD', mode: 'NULLABLE', fields: struct.entryNames.map((n, i) => bqField(n, struct.entryTypes[i]!)) };
  }
  return { name, type: scalarBqType(type), mode: 'NULLABLE' };
}

function scalarBqType(type: DuckDBType): string {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return 'BOOLEAN';
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return 'INTEGER';
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return 'FLOAT';
    case DuckDBTypeId.DECIMAL: {
      const d = type as DuckDBDecimalType;
      return d.scale > 9 || d.width - d.scale > 29 ? 'BIGNUMERIC' : 'NUMERIC';
    }
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'TIMESTAMP';
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return 'DATETIME';
    case DuckDBTypeId.DATE:
      return 'DATE';
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIME_TZ:
      return 'TIME';
    case DuckDBTypeId.BLOB:
      return 'BYTES';
    case DuckDBTypeId.INTERVAL:
      return 'INTERVAL';
    default:
      return type.toString() === 'JSON' ? 'JSON' : 'STRING';
  }
}

// BigQuery's logical size of one non-NULL value (see columnSizes).
function sizeExpression(column: string, type: DuckDBType): string {
  const bq = scalarBqType(type);
  if (type.typeId === DuckDBTypeId.LIST || type.typeId === DuckDBTypeId.ARRAY || type.typeId === DuckDBTypeId.STRUCT || bq === 'JSON') {
    return `strlen(CAST(to_json(${column}) AS VARCHAR))`;
  }
  switch (bq) {
    case 'BOOLEAN':
      return '1';
    case 'NUMERIC':
      return '16';
    case 'BIGNUMERIC':
      return '32';
    case 'STRING':
      return `2 + strlen(CAST(${column} AS VARCHAR))`;
    case 'BYTES':
      return `2 + octet_length(${column})`;
    case 'INTERVAL':
      return '16';
    default:
      return '8';
  }
}

/**
 * A DuckDB expression giving a column's BigQuery `{v: …}` JSON cell (`useInt64Timestamp`: TIMESTAMP
 * as integer microseconds, else float seconds).
 */
export function cellJsonSql(column: string, type: DuckDBType, int64Timestamp: boolean): string {
  return `json_object('v', ${valueJsonSql(column, type, int64Timestamp)})`;
}

function valueJsonSql(expr: string, type: DuckDBType, int64Timestamp: boolean): string {
  if (type.typeId === DuckDBTypeId.LIST || type.typeId === DuckDBTypeId.ARRAY) {
    const inner = (type as DuckDBListType).valueType;
    return `to_json(list_transform(${expr}, __e -> json_object('v', ${valueJsonSql('__e', inner, int64Timestamp)})))`;
  }
  if (type.typeId === DuckDBTypeId.STRUCT) {
    const struct = type as DuckDBStructType;
    const cells = struct.entryNames.map((n, i) => `json_object('v', ${valueJsonSql(`struct_extract(${expr}, ${quoteString(n)})`, struct.entryTypes[i]!, int64Timestamp)})`);
    return `CASE WHEN ${expr} IS NULL THEN NULL ELSE json_object('f', to_json([${cells.join(', ')}])) END`;
  }
  switch (scalarBqType(type)) {
    case 'TIMESTAMP':
      return int64Timestamp ? `CAST(epoch_us(${expr}) AS VARCHAR)` : `CAST(epoch_us(${expr}) / 1e6 AS VARCHAR)`;
    case 'DATETIME':
      return `strftime(${expr}, '%Y-%m-%dT%H:%M:%S.%f')`;
    case 'BYTES':
      return `to_base64(${expr})`;
    case 'BOOLEAN':
      return `CASE WHEN ${expr} IS NULL THEN NULL WHEN ${expr} THEN 'true' ELSE 'false' END`;
    case 'FLOAT':
      return `CASE WHEN isnan(${expr}) THEN 'NaN' WHEN isinf(${expr}) AND ${expr} > 0 THEN 'Infinity' WHEN isinf(${expr}) THEN '-Infinity' ELSE CAST(${expr} AS VARCHAR) END`;
    default:
      return `CAST(${expr} AS VARCHAR)`;
  }
}
