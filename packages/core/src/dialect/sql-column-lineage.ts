import { QuarryError } from '../errors.ts';
import { parseSql, type SqlDialect, type SqlNode } from './sql-dialect.ts';

/** How one input column takes part in an output column (OpenLineage's vocabulary; see `lineage/column-lineage-types.ts`). */
export interface SqlColumnTransformation {
  readonly type: 'DIRECT' | 'INDIRECT';
  readonly subtype: 'IDENTITY' | 'TRANSFORMATION' | 'AGGREGATION' | 'FILTER' | 'JOIN' | 'GROUP_BY' | 'SORT' | 'WINDOW' | 'CONDITIONAL';
  readonly masking?: boolean;
}

/** One column of an input relation an output column is derived from. */
export interface SqlColumnLineageInput {
  /** The relation as the SQL names it (an asset SQL's dependency name). */
  readonly table: string;
  readonly column: string;
  readonly transformations: readonly SqlColumnTransformation[];
}

/** The column lineage of one query: its output columns in order, and each one's inputs. */
export interface SqlColumnLineage {
  readonly columns: readonly string[];
  readonly lineage: Readonly<Record<string, readonly SqlColumnLineageInput[]>>;
}

/** Options of `sqlColumnLineage`. */
export interface SqlColumnLineageOptions {
  readonly dialect?: SqlDialect;
  /** Named in errors. */
  readonly assetKey?: string;
}

type Subtype = SqlColumnTransformation['subtype'];

/** One flattened input of a column: a base column and how it takes part. */
interface Flow {
  readonly table: string;
  readonly column: string;
  readonly type: 'DIRECT' | 'INDIRECT';
  readonly subtype: Subtype;
  readonly masking: boolean;
}

/** How an expression position takes part in its column, from the outside in. */
interface Hop {
  readonly type: 'DIRECT' | 'INDIRECT';
  readonly subtype: Subtype;
  readonly masking: boolean;
}

interface RelationColumn {
  readonly name: string;
  readonly flows: readonly Flow[];
}

interface Relation {
  readonly columns: readonly RelationColumn[];
  /** A relation whose columns are unknown (a table function such as read_parquet, VALUES): its columns resolve to no input. */
  readonly opaque?: boolean;
}

interface Source {
  readonly alias: string;
  readonly relation: Relation;
}

const DIRECT_RANK: Partial<Record<Subtype, number>> = { IDENTITY: 0, TRANSFORMATION: 1, AGGREGATION: 2 };
const AGGREGATES = new Set([
  'count', 'sum', 'avg', 'min', 'max', 'stddev_pop', 'stddev_samp', 'stddev', 'variance', 'var_pop', 'var_samp', 'median', 'mode',
  'quantile', 'quantile_cont', 'quantile_disc', 'approx_count_distinct', 'count_distinct', 'string_agg', 'group_concat', 'list', 'array_agg',
  'first', 'last', 'any_value', 'bool_and', 'bool_or', 'bit_and', 'bit_or', 'product', 'countif', 'count_if', 'entropy', 'kurtosis', 'skewness',
  'arg_max', 'arg_min', 'max_by', 'min_by', 'argmax', 'argmin', 'corr', 'covar_pop', 'covar_samp', 'histogram', 'sumif',
]);
/** Aggregates whose result says how many, not what: they hide the values they count. */
const COUNTING = new Set(['count', 'approx_count_distinct', 'count_distinct', 'countif', 'count_if', 'entropy']);
/** Aggregates whose second argument only picks the row (`arg_max(value, ordering)`). */
const BY_ORDERING = new Set(['arg_max', 'arg_min', 'max_by', 'min_by', 'argmax', 'argmin']);
/** Keywords DuckDB reads as values without parentheses. */
const NILADIC = new Set(['current_date', 'current_timestamp', 'current_time', 'localtimestamp', 'localtime', 'current_user', 'current_schema']);
const HASHES = new Set(['md5', 'sha1', 'sha256', 'sha512', 'hash', 'md5_number', 'md5_number_lower', 'md5_number_upper', 'xxhash64', 'farm_fingerprint']);

/**
 * The column lineage of one SQL query: for each output column, the columns of the input relations
 * it is derived from, and how — `DIRECT` (`IDENTITY`, `TRANSFORMATION`, `AGGREGATION`, with `masking`
 * through hashes and counts) or `INDIRECT` (`FILTER`, `JOIN`, `GROUP_BY`, `WINDOW`, `SORT`,
 * `CONDITIONAL`: the input decides which rows or which branch). CTEs, subqueries, set operations and
 * `*` (with `EXCLUDE`) resolve against `tables`, the input relations' columns, so lineage reaches the
 * inputs whatever the nesting. The parse is polyglot's; the scope resolution is Quarry's.
 *
 * ```ts
 * sqlColumnLineage('select category, sum(views) as views from metrics where day > $partition_start group by category',
 *   { metrics: ['day', 'category', 'views'] });
 * // lineage.views: [{ table: 'metrics', column: 'views', transformations: [{ type: 'DIRECT', subtype: 'AGGREGATION' }] },
 * //                 { table: 'metrics', column: 'day', … 'FILTER' }, { table: 'metrics', column: 'category', … 'GROUP_BY' }]
 * ```
 */
export function sqlColumnLineage(sql: string, tables: Readonly<Record<string, readonly string[]>>, options: SqlColumnLineageOptions = {}): SqlColumnLineage {
  const tree = parseSql(sql, options.dialect ?? 'duckdb', options);
  const env = new Map<string, Relation>();
  for (const [name, columns] of Object.entries(tables)) {
    env.set(name.toLowerCase(), {
      columns: columns.map((column) => ({ name: column, flows: [{ table: name, column, type: 'DIRECT', subtype: 'IDENTITY', masking: false }] })),
    });
  }
  const analyzer = new LineageAnalyzer(options.assetKey, Object.keys(tables));
  const relation = analyzer.query(tree, env);
  const lineage: Record<string, SqlColumnLineageInput[]> = {};
  for (const column of relation.columns) lineage[column.name] = groupFlows(column.flows);
  return { columns: relation.columns.map((c) => c.name), lineage };
}

/** Flows grouped per input column (DIRECT first, then INDIRECT, each by table and column), transformations deduplicated. */
function groupFlows(flows: readonly Flow[]): SqlColumnLineageInput[] {
  const byColumn = new Map<string, { table: string; column: string; transformations: Map<string, SqlColumnTransformation> }>();
  for (const f of flows) {
    const key = `${f.table}\0${f.column}`;
    let entry = byColumn.get(key);
    if (entry === undefined) byColumn.set(key, (entry = { table: f.table, column: f.column, transformations: new Map() }));
    const masking = f.type === 'DIRECT' && f.masking;
    const tKey = `${f.type}/${f.subtype}/${masking}`;
    if (!entry.transformations.has(tKey)) entry.transformations.set(tKey, { type: f.type, subtype: f.subtype, ...(masking ? { masking: true } : {}) });
  }
  const order = (t: SqlColumnTransformation) => (t.type === 'DIRECT' ? 0 : 10) + Object.keys(SUBTYPE_ORDER).indexOf(t.subtype);
  return [...byColumn.values()]
    .map((e) => ({ table: e.table, column: e.column, transformations: [...e.transformations.values()].sort((a, b) => order(a) - order(b)) }))
    .sort((a, b) => {
      const da = a.transformations.some((t) => t.type === 'DIRECT') ? 0 : 1;
      const db = b.transformations.some((t) => t.type === 'DIRECT') ? 0 : 1;
      return da - db || a.table.localeCompare(b.table) || a.column.localeCompare(b.column);
    });
}

const SUBTYPE_ORDER: Record<Subtype, true> = { IDENTITY: true, TRANSFORMATION: true, AGGREGATION: true, FILTER: true, JOIN: true, GROUP_BY: true, SORT: true, WINDOW: true, CONDITIONAL: true };

/** A flow seen through one more hop: an input that was INDIRECT stays so (with its own subtype); DIRECT ones take the stronger subtype. */
function compose(inner: Flow, hop: Hop): Flow {
  if (inner.type === 'INDIRECT') return inner;
  if (hop.type === 'INDIRECT') return { ...inner, type: 'INDIRECT', subtype: hop.subtype, masking: false };
  const subtype = (DIRECT_RANK[hop.subtype] ?? 0) > (DIRECT_RANK[inner.subtype] ?? 0) ? hop.subtype : inner.subtype;
  return { ...inner, subtype, masking: inner.masking || hop.masking };
}

/** The hop of a position inside `outer`: an INDIRECT outer position keeps its role; DIRECT ones take the stronger subtype. */
function deeper(outer: Hop, inner: Hop): Hop {
  if (outer.type === 'INDIRECT') return outer;
  if (inner.type === 'INDIRECT') return inner;
  const subtype = (DIRECT_RANK[inner.subtype] ?? 0) > (DIRECT_RANK[outer.subtype] ?? 0) ? inner.subtype : outer.subtype;
  return { type: 'DIRECT', subtype, masking: outer.masking || inner.masking };
}

const IDENTITY: Hop = { type: 'DIRECT', subtype: 'IDENTITY', masking: false };
const TRANSFORMATION: Hop = { type: 'DIRECT', subtype: 'TRANSFORMATION', masking: false };
const indirect = (subtype: Subtype): Hop => ({ type: 'INDIRECT', subtype, masking: false });

function kindOf(node: unknown): [string, SqlNode | null] | undefined {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const keys = Object.keys(node);
  if (keys.length !== 1) return undefined;
  const value = (node as SqlNode)[keys[0]!];
  if (value !== null && (typeof value !== 'object' || Array.isArray(value))) return undefined;
  return [keys[0]!, value as SqlNode | null];
}

function identifier(node: unknown): string | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const name = (node as SqlNode).name;
  if (typeof name === 'string') return name;
  if (name !== null && typeof name === 'object') return identifier(name);
  return undefined;
}

/** One SELECT's scope while its expressions are analyzed. */
interface Scope {
  readonly sources: readonly Source[];
  readonly env: ReadonlyMap<string, Relation>;
  readonly windows: ReadonlyMap<string, SqlNode>;
  /** Output columns analyzed so far (DuckDB lets later clauses name select aliases). */
  readonly outputs: RelationColumn[];
}

class LineageAnalyzer {
  readonly #assetKey: string | undefined;
  readonly #inputs: readonly string[];

  constructor(assetKey: string | undefined, inputs: readonly string[]) {
    this.#assetKey = assetKey;
    this.#inputs = inputs;
  }

  #error(message: string): QuarryError {
    return new QuarryError('QUARRY_SQL_LINEAGE', `${this.#assetKey !== undefined ? `Asset "${this.#assetKey}": ` : ''}${message}`, {
      details: { ...(this.#assetKey !== undefined ? { assetKey: this.#assetKey } : {}) },
    });
  }

  /** The relation a query node (select, set operation, subquery) produces. */
  query(node: unknown, env: ReadonlyMap<string, Relation>): Relation {
    const kind = kindOf(node);
    if (kind === undefined) throw this.#error(`column lineage cannot read a query node ${JSON.stringify(node).slice(0, 80)}.`);
    const [name, payload] = kind;
    if (payload === null) throw this.#error(`column lineage cannot read an empty ${name} node.`);
    if (name === 'select') return this.#select(payload, env);
    if (name === 'subquery' || name === 'paren') return this.query(payload.this, env);
    if (name === 'union' || name === 'intersect' || name === 'except') {
      const withEnv = this.#withCtes(payload.with, env);
      const left = this.query(payload.left, withEnv);
      const right = this.query(payload.right, withEnv);
      return {
        columns: left.columns.map((c, i) => ({ name: c.name, flows: [...c.flows, ...(right.columns[i]?.flows ?? []).map((f) => (name === 'union' ? f : compose(f, indirect('FILTER'))))] })),
      };
    }
    throw this.#error(`column lineage does not know the query form "${name}".`);
  }

  #withCtes(withNode: unknown, env: ReadonlyMap<string, Relation>): ReadonlyMap<string, Relation> {
    const ctes = (withNode as SqlNode | null | undefined)?.ctes;
    if (!Array.isArray(ctes) || ctes.length === 0) return env;
    const next = new Map(env);
    for (const cte of ctes as SqlNode[]) {
      const name = identifier(cte.alias);
      if (name === undefined) continue;
      next.set(name.toLowerCase(), this.query(cte.this, next));
    }
    return next;
  }

  #select(select: SqlNode, outerEnv: ReadonlyMap<string, Relation>): Relation {
    const env = this.#withCtes(select.with, outerEnv);
    const sources: Source[] = [];
    const fromItems = [...(((select.from as SqlNode | null)?.expressions as unknown[] | undefined) ?? [])];
    const joins = (select.joins as SqlNode[] | undefined) ?? [];
    for (const item of [...fromItems, ...joins.map((j) => j.this)]) sources.push(this.#source(item, env));
    const windows = new Map<string, SqlNode>();
    for (const w of (select.windows as SqlNode[] | null | undefined) ?? []) {
      const name = identifier(w.name);
      if (name !== undefined) windows.set(name.toLowerCase(), w.spec as SqlNode);
    }
    const scope: Scope = { sources, env, windows, outputs: [] };

    for (const [index, expression] of ((select.expressions as unknown[]) ?? []).entries()) {
      const kind = kindOf(expression);
      if (kind?.[0] === 'star') {
        const star = kind[1] ?? {};
        const qualifier = identifier(star.table);
        const excluded = new Set(((star.except as unknown[] | null | undefined) ?? []).map((e) => identifier(e)?.toLowerCase()));
        const from = qualifier === undefined ? sources : sources.filter((s) => s.alias.toLowerCase() === qualifier.toLowerCase());
        if (qualifier !== undefined && from.length === 0) throw this.#error(`${qualifier}.* names no relation of its FROM clause (${sources.map((s) => s.alias).join(', ')}).`);
        for (const source of from) {
          for (const column of source.relation.columns) {
            if (excluded.has(column.name.toLowerCase())) continue;
            scope.outputs.push({ name: column.name, flows: column.flows.map((f) => compose(f, IDENTITY)) });
          }
        }
        continue;
      }
      let name: string;
      let body: unknown = expression;
      if (kind?.[0] === 'alias') {
        name = identifier(kind[1]!.alias) ?? `column${index}`;
        body = kind[1]!.this;
      } else if (kind?.[0] === 'column') {
        name = identifier(kind[1]!.name) ?? `column${index}`;
      } else {
        name = `column${index}`;
      }
      const top = kindOf(body)?.[0] === 'column' ? IDENTITY : TRANSFORMATION;
      scope.outputs.push({ name, flows: this.#expression(body, scope, top) });
    }

    // Clauses that decide which rows (and groups) there are take part in every output column.
    const rowFlows: Flow[] = [];
    rowFlows.push(...this.#expression(select.where_clause, scope, indirect('FILTER')));
    for (const join of joins) {
      rowFlows.push(...this.#expression(join.on, scope, indirect('JOIN')));
      for (const using of (join.using as unknown[] | undefined) ?? []) {
        const column = identifier(using);
        if (column === undefined) continue;
        for (const source of sources) {
          const found = source.relation.columns.find((c) => c.name.toLowerCase() === column.toLowerCase());
          if (found !== undefined) rowFlows.push(...found.flows.map((f) => compose(f, indirect('JOIN'))));
        }
      }
    }
    rowFlows.push(...this.#expression(select.group_by, scope, indirect('GROUP_BY')));
    rowFlows.push(...this.#expression(select.having, scope, indirect('FILTER')));
    rowFlows.push(...this.#expression(select.qualify, scope, indirect('FILTER')));
    if (select.limit !== null && select.limit !== undefined) rowFlows.push(...this.#expression(select.order_by, scope, indirect('SORT')));
    if (select.distinct === true) {
      for (const output of scope.outputs) rowFlows.push(...output.flows.filter((f) => f.type === 'DIRECT').map((f) => compose(f, indirect('GROUP_BY'))));
    }
    return { columns: scope.outputs.map((o) => ({ name: o.name, flows: [...o.flows, ...rowFlows] })) };
  }

  #source(item: unknown, env: ReadonlyMap<string, Relation>): Source {
    const kind = kindOf(item);
    if (kind?.[0] === 'table' && kind[1] !== null) {
      const name = identifier(kind[1].name);
      if (name === undefined) throw this.#error('a FROM item has no table name.');
      const relation = env.get(name.toLowerCase());
      if (relation === undefined) {
        throw this.#error(
          `the SQL reads "${name}", which is neither a CTE nor an input (${this.#inputs.length > 0 ? this.#inputs.join(', ') : 'none'}). ` +
            'Read upstream assets by their dependency names (the keys of `deps`).',
        );
      }
      return { alias: identifier(kind[1].alias) ?? name, relation };
    }
    if (kind?.[0] === 'subquery' && kind[1] !== null) {
      return { alias: identifier(kind[1].alias) ?? 'subquery', relation: this.query(kind[1].this, env) };
    }
    if (kind?.[0] === 'paren' && kind[1] !== null) return this.#source(kind[1].this, env);
    // A table function (read_parquet, range, unnest), VALUES, …: it reads no input relation.
    const alias = kind?.[1] !== null && kind?.[1] !== undefined ? identifier(kind[1].alias) : undefined;
    return { alias: alias ?? kind?.[0] ?? 'relation', relation: { columns: [], opaque: true } };
  }

  #resolve(qualifier: string | undefined, name: string, scope: Scope): readonly Flow[] {
    const lower = name.toLowerCase();
    if (qualifier !== undefined) {
      const source = scope.sources.find((s) => s.alias.toLowerCase() === qualifier.toLowerCase());
      if (source?.relation.opaque === true) return [];
      if (source === undefined) throw this.#error(`${qualifier}.${name} names no relation of its FROM clause (${scope.sources.map((s) => s.alias).join(', ') || 'none'}).`);
      const column = source.relation.columns.find((c) => c.name.toLowerCase() === lower);
      if (column === undefined) throw this.#error(`${qualifier} has no column "${name}" (it has ${source.relation.columns.map((c) => c.name).join(', ')}).`);
      return column.flows;
    }
    for (const source of scope.sources) {
      const column = source.relation.columns.find((c) => c.name.toLowerCase() === lower);
      if (column !== undefined) return column.flows;
    }
    const alias = scope.outputs.find((o) => o.name.toLowerCase() === lower);
    if (alias !== undefined) return alias.flows;
    if (scope.sources.some((s) => s.relation.opaque === true) || NILADIC.has(lower)) return [];
    throw this.#error(`no relation of its FROM clause (${scope.sources.map((s) => s.alias).join(', ') || 'none'}) has a column "${name}".`);
  }

  /** The flows of the columns an expression reads, seen through `hop`. */
  #expression(node: unknown, scope: Scope, hop: Hop): Flow[] {
    if (node === null || node === undefined || typeof node !== 'object') return [];
    if (Array.isArray(node)) return node.flatMap((n) => this.#expression(n, scope, hop));
    const kind = kindOf(node);
    if (kind === undefined) return Object.values(node).flatMap((v) => this.#expression(v, scope, hop));
    const [name, payload] = kind;
    if (payload === null) return [];
    switch (name) {
      case 'column': {
        const column = identifier(payload.name);
        if (column === undefined) return [];
        return this.#resolve(identifier(payload.table), column, scope).map((f) => compose(f, hop));
      }
      case 'star':
      case 'literal':
      case 'parameter':
      case 'boolean':
      case 'null':
      case 'data_type':
        return [];
      case 'alias':
        return this.#expression(payload.this, scope, hop);
      case 'cast':
      case 'try_cast':
        return this.#expression(payload.this, scope, deeper(hop, TRANSFORMATION));
      case 'select':
      case 'union':
      case 'intersect':
      case 'except':
      case 'subquery':
        return this.#subquery(node, scope, hop);
      case 'in':
      case 'exists': {
        const own = name === 'in' ? this.#expression([payload.this, payload.expressions], scope, deeper(hop, TRANSFORMATION)) : [];
        const query = payload.query ?? (name === 'exists' ? payload.this : undefined);
        return [...own, ...(query !== undefined && query !== null ? this.#subquery(query, scope, deeper(hop, indirect('FILTER'))) : [])];
      }
      case 'case': {
        const flows = this.#expression(payload.operand, scope, deeper(hop, indirect('CONDITIONAL')));
        for (const when of (payload.whens as unknown[][] | undefined) ?? []) {
          flows.push(...this.#expression(when[0], scope, deeper(hop, indirect('CONDITIONAL'))));
          flows.push(...this.#expression(when[1], scope, deeper(hop, TRANSFORMATION)));
        }
        flows.push(...this.#expression(payload.else_, scope, deeper(hop, TRANSFORMATION)));
        return flows;
      }
      case 'window_function': {
        const flows = this.#expression(payload.this, scope, deeper(hop, TRANSFORMATION));
        const over = (payload.over as SqlNode | null) ?? {};
        const named = identifier(over.window_name);
        const spec = named !== undefined ? scope.windows.get(named.toLowerCase()) : undefined;
        for (const s of [over, spec]) {
          if (s === undefined || s === null) continue;
          flows.push(...this.#expression([s.partition_by, s.order_by], scope, deeper(hop, indirect('WINDOW'))));
        }
        return flows;
      }
      default:
        break;
    }
    const fn = (name === 'function' || name === 'aggregate_function') && typeof payload.name === 'string' ? payload.name.toLowerCase() : name;
    if (fn === 'if' || fn === 'iif') {
      const args = (payload.args as unknown[] | undefined) ?? [];
      return [...this.#expression(args[0], scope, deeper(hop, indirect('CONDITIONAL'))), ...this.#expression(args.slice(1), scope, deeper(hop, TRANSFORMATION))];
    }
    if (AGGREGATES.has(fn)) {
      const inner = deeper(hop, { type: 'DIRECT', subtype: 'AGGREGATION', masking: COUNTING.has(fn) });
      const flows = this.#expression(payload.filter, scope, deeper(hop, indirect('FILTER')));
      if (BY_ORDERING.has(fn)) {
        const args = (payload.args as unknown[] | undefined) ?? [payload.this, payload.expression];
        flows.push(...this.#expression(args[0], scope, inner), ...this.#expression(args.slice(1), scope, deeper(hop, indirect('SORT'))));
        return flows;
      }
      const { filter: _filter, ...rest } = payload;
      flows.push(...this.#expression(rest, scope, inner));
      return flows;
    }
    const inner = deeper(hop, { type: 'DIRECT', subtype: 'TRANSFORMATION', masking: HASHES.has(fn) });
    return this.#expression(payload, scope, inner);
  }

  /** A subquery inside an expression: what it returns takes part through `hop`. */
  #subquery(node: unknown, scope: Scope, hop: Hop): Flow[] {
    const env = new Map(scope.env);
    const relation = this.query(node, env);
    return relation.columns.flatMap((c) => c.flows.map((f) => compose(f, hop)));
  }
}
