// The architecture's import rules, checked on every source file (docs/architecture.md, "Layers" and
// "Engine independence"): only engines/duckdb knows DuckDB, only engines/bigquery and storage/gcs load a
// cloud SDK, and the layers of packages/core/src import downwards only. A violation names its file and
// line. The exception lists below are the places the lead decided may cross a boundary, each with why.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../..');
const CORE = 'packages/core/src/';

/** One file that may import DuckDB (`@duckdb/node-api` or a path into engines/duckdb) although it is outside engines/duckdb. */
interface BoundaryException {
  /** Repository-relative path. */
  readonly file: string;
  /** Why it may. */
  readonly why: string;
  /** The file need not exist (another branch adds it); otherwise a listed file must exist. */
  readonly planned?: true;
}

/**
 * Files outside `packages/core/src/engines/duckdb/` allowed to import DuckDB. Edit here, with a reason.
 * An entry whose file no longer imports DuckDB fails the test (remove it), so the list cannot go stale.
 */
export const DUCKDB_IMPORT_EXCEPTIONS: readonly BoundaryException[] = [
  { file: 'packages/core/src/engines/index.ts', why: 'the engines barrel: @quarry/core exports DuckDB, the embedded default engine (createDuckDbEngine, the check runner, the Parquet rewriter)' },
  { file: 'packages/core/src/instance/target-runtime.ts', why: "the target runtime: the one place that chooses a target's engine and store (DuckDB's by dynamic import, as the cloud ones)" },
  { file: 'packages/core/src/cli/commands/storage-command.ts', why: "`quarry storage apply` is where storage tiers are applied: it gives applyStorageTiers DuckDB's Parquet rewriter (storage tiers themselves know no engine)" },
];

/** Cloud SDK modules, and where each may be imported (folder prefixes, repository-relative). */
export const CLOUD_SDK_HOMES: readonly { readonly module: RegExp; readonly name: string; readonly homes: readonly string[] }[] = [
  { module: /^@google-cloud\/bigquery(\/|$)/, name: '@google-cloud/bigquery', homes: ['packages/core/src/engines/bigquery/', 'test/doubles/', 'test/live/'] },
  { module: /^@google-cloud\/storage(\/|$)/, name: '@google-cloud/storage', homes: ['packages/core/src/storage/gcs/', 'test/doubles/', 'test/live/'] },
  // What both SDKs stand on (auth, HTTP, shared helpers): only their two homes (and the test doubles) use it directly.
  { module: /^(@google-cloud\/|google-auth-library(\/|$)|gaxios(\/|$)|gcp-metadata(\/|$)|googleapis-common(\/|$))/, name: 'a Google Cloud client library', homes: ['packages/core/src/engines/bigquery/', 'packages/core/src/storage/gcs/', 'test/doubles/', 'test/live/'] },
];

/** Folders of core whose modules load a cloud SDK: only a dynamic `import()` may reach them from outside. */
export const CLOUD_ENTRY_FOLDERS: readonly string[] = ['packages/core/src/engines/bigquery/', 'packages/core/src/storage/gcs/'];
const CLOUD_ENTRY_SPECIFIERS = /^@quarry\/core\/(bigquery|gcs)(\/|$)/;

/**
 * The layers of packages/core/src, top (imported by everything) to bottom (imports everything): a file
 * may import its own layer and those listed before it, as in docs/architecture.md's table (which puts
 * `partitions` before `definitions` and `storage` before `engines`, unlike the shared ARCHITECTURE.md's
 * list, because the code always has). `dialect` (SQL transpiling, no imports) sits under definitions;
 * `instance` (the composition of all layers the CLI talks to) and `automation` (above execution,
 * driving an instance) sit just above `cli`. A new top-level folder must be placed here.
 */
export const CORE_LAYERS: readonly string[] = [
  'errors.ts',
  'partitions',
  'definitions',
  'dialect',
  'graph',
  'versioning',
  'planner',
  'execution',
  'storage',
  'engines',
  'catalog',
  'checks',
  'lineage',
  'observability',
  'instance',
  'automation',
  'cli',
  'index.ts',
];

/** How a module is referenced: `static` loads it, `type` only names its types, `dynamic` loads it when that code runs. */
export type ImportKind = 'static' | 'type' | 'dynamic';

/** One module reference of a source file. */
export interface ImportReference {
  readonly specifier: string;
  readonly line: number;
  readonly kind: ImportKind;
}

/** Every module a TypeScript source references: imports, re-exports, `import()`, `require()` and `import('x').T` types. */
export function importsOf(fileName: string, text: string): ImportReference[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: ImportReference[] = [];
  const add = (node: ts.Node, specifier: ts.Expression | ts.TypeNode | undefined, kind: ImportKind): void => {
    let literal: ts.Node | undefined = specifier;
    if (literal !== undefined && ts.isLiteralTypeNode(literal)) literal = literal.literal;
    if (literal === undefined || !ts.isStringLiteralLike(literal)) return;
    found.push({ specifier: literal.text, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, kind });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      // Under verbatimModuleSyntax `import { type A } from 'x'` still loads x (as `import {} from 'x'`): only `import type` does not.
      add(node, node.moduleSpecifier, node.importClause?.isTypeOnly === true ? 'type' : 'static');
    } else if (ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.isTypeOnly ? 'type' : 'static');
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly ? 'type' : 'static');
    } else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      add(node, node.arguments[0], node.expression.kind === ts.SyntaxKind.ImportKeyword ? 'dynamic' : 'static');
    } else if (ts.isImportTypeNode(node)) {
      add(node, node.argument, 'type');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** A source file: repository-relative path and text. */
export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

/** What one rule found wrong. */
export interface Violation {
  readonly rule: 'duckdb' | 'cloud-sdk' | 'cloud-entry' | 'layer' | 'exception';
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** Test code: test files and the fixtures only tests import. Rules (a) and (c) are about product code. */
export function isTestCode(path: string): boolean {
  return /\.test\.ts$|[.-]fixture\.ts$/.test(path) || path.startsWith('test/');
}

/** The repository-relative path a relative specifier names, or undefined for a package specifier. */
function resolveRelative(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return relative(ROOT, resolve(ROOT, dirname(from), specifier)).split(sep).join('/');
}

function isDuckDbReference(from: string, specifier: string): boolean {
  if (/^@duckdb\//.test(specifier)) return true;
  const target = resolveRelative(from, specifier);
  if (target !== undefined) return target.startsWith(`${CORE}engines/duckdb/`) || target === `${CORE}engines/duckdb`;
  return /(^|\/)src\/engines\/duckdb(\/|$)/.test(specifier);
}

function layerOf(path: string): string | undefined {
  if (!path.startsWith(CORE)) return undefined;
  return path.slice(CORE.length).split('/')[0];
}

/**
 * Every violation of the import rules in `files`: (a) DuckDB outside engines/duckdb (product code,
 * minus `duckdbExceptions`), (b) a cloud SDK outside its homes (all code, tests too), (b′) a static
 * import of a cloud entry folder from outside it (product code: it would load the SDK for DuckDB-only
 * users), (c) a core layer importing a layer below it, and stale or unplaced entries of the lists.
 */
export function findViolations(files: readonly SourceFile[], duckdbExceptions: readonly BoundaryException[] = DUCKDB_IMPORT_EXCEPTIONS): Violation[] {
  const violations: Violation[] = [];
  const excepted = new Map(duckdbExceptions.map((e) => [e.file, e]));
  const usedExceptions = new Set<string>();
  const present = new Set(files.map((f) => f.path));
  const rank = new Map(CORE_LAYERS.map((layer, i) => [layer, i]));
  const unplaced = new Set<string>();
  for (const file of files) {
    const product = !isTestCode(file.path);
    const layer = layerOf(file.path);
    if (product && layer !== undefined && !rank.has(layer)) unplaced.add(layer);
    for (const ref of importsOf(file.path, file.text)) {
      const at = { file: file.path, line: ref.line };
      // (a) DuckDB
      if (product && !file.path.startsWith(`${CORE}engines/duckdb/`) && isDuckDbReference(file.path, ref.specifier)) {
        if (excepted.has(file.path)) usedExceptions.add(file.path);
        else {
          violations.push({ rule: 'duckdb', ...at, message: `${file.path}:${ref.line} imports ${JSON.stringify(ref.specifier)} (DuckDB); only ${CORE}engines/duckdb/ may: use the Engine interface (or, if this file must choose the engine, add it to DUCKDB_IMPORT_EXCEPTIONS with a reason)` });
        }
      }
      // (b) cloud SDKs
      for (const sdk of CLOUD_SDK_HOMES) {
        if (sdk.module.test(ref.specifier) && !sdk.homes.some((home) => file.path.startsWith(home))) {
          violations.push({ rule: 'cloud-sdk', ...at, message: `${file.path}:${ref.line} imports ${JSON.stringify(ref.specifier)} (${sdk.name}); only ${sdk.homes.join(', ')} may, so a DuckDB-only user never loads it` });
          break;
        }
      }
      // (b′) the cloud entry points, loaded statically from outside them
      if (product && ref.kind === 'static' && !CLOUD_ENTRY_FOLDERS.some((folder) => file.path.startsWith(folder))) {
        const target = resolveRelative(file.path, ref.specifier);
        const intoCloud = target !== undefined ? CLOUD_ENTRY_FOLDERS.some((folder) => `${target}/`.startsWith(folder)) : CLOUD_ENTRY_SPECIFIERS.test(ref.specifier);
        if (intoCloud) {
          violations.push({ rule: 'cloud-entry', ...at, message: `${file.path}:${ref.line} statically imports ${JSON.stringify(ref.specifier)}, which loads a cloud SDK: load it with \`await import(…)\` where a cloud target is chosen (or import only types)` });
        }
      }
      // (c) layers
      if (product && layer !== undefined && rank.has(layer)) {
        const target = resolveRelative(file.path, ref.specifier);
        const targetLayer = target === undefined ? undefined : layerOf(target);
        if (targetLayer !== undefined && targetLayer !== layer && rank.has(targetLayer) && rank.get(targetLayer)! > rank.get(layer)!) {
          violations.push({ rule: 'layer', ...at, message: `${file.path}:${ref.line} (layer ${layer}) imports ${JSON.stringify(ref.specifier)} (layer ${targetLayer}), a layer below it: imports point up CORE_LAYERS only (move the shared piece up, or take it as a parameter)` });
        }
      }
    }
  }
  for (const layer of unplaced) {
    violations.push({ rule: 'layer', file: `${CORE}${layer}`, line: 0, message: `${CORE}${layer} is in no layer: place it in CORE_LAYERS (test/architecture/import-boundaries.test.ts)` });
  }
  for (const exception of duckdbExceptions) {
    if (!present.has(exception.file)) {
      if (exception.planned !== true) violations.push({ rule: 'exception', file: exception.file, line: 0, message: `DUCKDB_IMPORT_EXCEPTIONS lists ${exception.file}, which does not exist: remove the entry` });
    } else if (!usedExceptions.has(exception.file)) {
      violations.push({ rule: 'exception', file: exception.file, line: 0, message: `DUCKDB_IMPORT_EXCEPTIONS lists ${exception.file}, which no longer imports DuckDB: remove the entry` });
    }
  }
  return violations;
}

// Build output, dependencies, scratch data and generated lakes hold no source of ours.
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'test-output', 'bench-output', 'landing']);

function sourcesUnder(dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (abs: string): void => {
    if (!existsSync(abs)) return;
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (SKIPPED_DIRS.has(entry.name) || entry.name.startsWith('.')) continue;
      const path = join(abs, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mts|cts|tsx)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        out.push({ path: relative(ROOT, path).split(sep).join('/'), text: readFileSync(path, 'utf8') });
      }
    }
  };
  walk(join(ROOT, dir));
  return out;
}

/** The repository's source: every package's src, the examples, and (for the cloud SDK rule) tests, benches and scripts. */
function repositorySources(): SourceFile[] {
  const packages = readdirSync(join(ROOT, 'packages')).map((name) => `packages/${name}/src`);
  return [...packages, 'examples', 'test', 'bench', 'scripts'].flatMap(sourcesUnder);
}

describe('import boundaries', () => {
  test('the repository: DuckDB only in engines/duckdb, cloud SDKs only in their homes, layers import downwards only', () => {
    const files = repositorySources();
    assert.ok(files.some((f) => f.path === `${CORE}engines/duckdb/duckdb-engine.ts`), 'the scan sees the DuckDB engine');
    assert.ok(files.some((f) => f.path.startsWith('examples/')), 'the scan sees the examples');
    // bench/ may use DuckDB directly (a hand-written baseline measures Quarry against raw DuckDB), and so may
    // scripts/: rule (a) is about the product; every other rule applies to them.
    const violations = findViolations(files).filter((v) => !(v.rule === 'duckdb' && (v.file.startsWith('bench/') || v.file.startsWith('scripts/'))));
    assert.deepEqual(violations.map((v) => v.message), []);
  });

  test('each rule reports the file and line of a violation, and stale exceptions', () => {
    const files: SourceFile[] = [
      { path: `${CORE}checks/runner.ts`, text: "import { x } from './y.ts';\nimport { lockSql } from '../engines/duckdb/duckdb-sandbox.ts';\n" },
      { path: `${CORE}automation/tiers.ts`, text: "\n\nimport type { DuckDBConnection } from '@duckdb/node-api';\n" },
      { path: 'packages/assets/src/scan.ts', text: "const { DuckDBInstance } = await import('@duckdb/node-api');\n" },
      { path: `${CORE}engines/duckdb/ok.ts`, text: "import { DuckDBInstance } from '@duckdb/node-api';\n" },
      { path: `${CORE}checks/ok.test.ts`, text: "import { DuckDBInstance } from '@duckdb/node-api';\n" },
      { path: `${CORE}instance/engine-factory.ts`, text: "import { createDuckDbEngine } from '../engines/duckdb/index.ts';\nimport { BigQueryEngine } from '../engines/bigquery/index.ts';\nconst lazy = () => import('../engines/bigquery/index.ts');\nimport type { GcsObjectStore } from '../storage/gcs/index.ts';\n" },
      { path: `${CORE}storage/gcs/gcs-object-store.ts`, text: "import { Storage } from '@google-cloud/storage';\nimport { GoogleAuth } from 'google-auth-library';\n" },
      { path: `${CORE}engines/bigquery/bigquery-engine.ts`, text: "import { BigQuery } from '@google-cloud/bigquery';\nimport { Storage } from '@google-cloud/storage';\n" },
      { path: 'test/doubles/gcs-double.ts', text: "import { Storage } from '@google-cloud/storage';\n" },
      { path: 'test/e2e/gcs.test.ts', text: "import { Storage } from '@google-cloud/storage';\n" },
      { path: `${CORE}index.ts`, text: "export * from './errors.ts';\nexport { bigquery } from '@quarry/core/bigquery';\n" },
      { path: `${CORE}definitions/asset.ts`, text: "import type { Plan } from '../planner/plan.ts';\nimport { isTimeWindow } from '../partitions/index.ts';\n" },
      { path: `${CORE}storage/local/store.ts`, text: "import { QuarryError } from '../../errors.ts';\n" },
      { path: `${CORE}cloud/auth.ts`, text: "import { GoogleAuth } from 'google-auth-library';\n" },
    ];
    const exceptions: BoundaryException[] = [
      { file: `${CORE}instance/engine-factory.ts`, why: 'chooses the engine' },
      { file: `${CORE}cli/gone.ts`, why: 'was removed' },
      { file: `${CORE}storage/local/store.ts`, why: 'no longer imports DuckDB' },
      { file: `${CORE}instance/later.ts`, why: 'another branch adds it', planned: true },
    ];
    const found = findViolations(files, exceptions).map((v) => `${v.rule} ${v.file}:${v.line}`);
    assert.deepEqual(found.sort(), [
      `cloud-entry ${CORE}index.ts:2`,
      `cloud-entry ${CORE}instance/engine-factory.ts:2`,
      `cloud-sdk ${CORE}cloud/auth.ts:1`,
      `cloud-sdk ${CORE}engines/bigquery/bigquery-engine.ts:2`,
      'cloud-sdk test/e2e/gcs.test.ts:1',
      `duckdb ${CORE}automation/tiers.ts:3`,
      `duckdb ${CORE}checks/runner.ts:2`,
      `exception ${CORE}cli/gone.ts:0`,
      `exception ${CORE}storage/local/store.ts:0`,
      `layer ${CORE}cloud:0`,
      `layer ${CORE}definitions/asset.ts:1`,
      'duckdb packages/assets/src/scan.ts:1',
    ].sort());
  });

  test('importsOf tells loading imports from type-only and dynamic ones', () => {
    const text = [
      "import a from 'a';",
      "import type { B } from 'b';",
      "import { type C } from 'c';",
      "import { type D, d } from 'd';",
      "export * from 'e';",
      "export type { F } from 'f';",
      "const g = await import('g');",
      "type H = import('h').H;",
      "import 'i';",
    ].join('\n');
    assert.deepEqual(
      importsOf('x.ts', text).map((r) => `${r.line} ${r.specifier} ${r.kind}`),
      ['1 a static', '2 b type', '3 c static', '4 d static', '5 e static', '6 f type', '7 g dynamic', '8 h type', '9 i static'],
    );
  });
});
