/**
 * Catalog size: bytes of the SQLite catalog in all, per table (its indexes included) and per
 * partition version (one row of `materializations`), read with SQLite's dbstat virtual table.
 *
 *   npx tsx bench/catalog-size.ts [CATALOG] [--compact] [--retention-days N]
 *
 * CATALOG defaults to examples/tiktok/.quarry/catalog.sqlite (after `npm run demo`). With `--compact`
 * it also measures a copy after what `quarry vacuum --retention-days N` does to the catalog (N
 * defaults to 0: every superseded version and every finished run's step events expire): expired
 * versions with their check results and lineage deleted, step progress events pruned, pages
 * given back. The original file is never changed.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { openSqliteCatalog } from '@quarry/core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { compact: { type: 'boolean', default: false }, 'retention-days': { type: 'string', default: '0' } },
});
const path = resolve(positionals[0] ?? join(root, 'examples/tiktok/.quarry/catalog.sqlite'));
if (!existsSync(path)) {
  process.stderr.write(`catalog-size: no catalog at ${path}: run \`npm run demo -- --creators 1000 --days 20\` first, or pass a path.\n`);
  process.exit(1);
}

interface Measure {
  readonly total: number;
  readonly versions: number;
  readonly tables: { name: string; bytes: number; rows: number }[];
}

function measure(file: string): Measure {
  const db = new Database(file, { readonly: true });
  try {
    const owner = new Map((db.prepare("select name, tbl_name from sqlite_schema where type in ('table', 'index')").all() as { name: string; tbl_name: string }[]).map((r) => [r.name, r.tbl_name]));
    const bytes = new Map<string, number>();
    for (const { name, size } of db.prepare('select name, sum(pgsize) as size from dbstat group by name').all() as { name: string; size: number }[]) {
      const table = owner.get(name) ?? name;
      bytes.set(table, (bytes.get(table) ?? 0) + size);
    }
    const tables = [...bytes].map(([name, b]) => ({
      name,
      bytes: b,
      rows: name.startsWith('sqlite_') ? 0 : (db.prepare(`select count(*) from "${name}"`).pluck().get() as number),
    }));
    tables.sort((a, b) => b.bytes - a.bytes);
    const pages = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
    const wal = statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0;
    return { total: pages + wal, versions: db.prepare('select count(*) from materializations').pluck().get() as number, tables };
  } finally {
    db.close();
  }
}

const fmt = (n: number) => n.toLocaleString('en-US');
function print(title: string, m: Measure, before?: Measure): void {
  const per = (b: number) => (m.versions === 0 ? '-' : fmt(Math.round(b / m.versions)));
  process.stdout.write(`\n${title}: ${fmt(m.total)} bytes, ${fmt(m.versions)} partition versions, ${per(m.total)} bytes per partition version\n`);
  process.stdout.write(`${'table (with its indexes)'.padEnd(28)}${'bytes'.padStart(12)}${'rows'.padStart(10)}${'B/version'.padStart(11)}${before ? 'before'.padStart(12) : ''}\n`);
  for (const t of m.tables) {
    const was = before?.tables.find((b) => b.name === t.name)?.bytes;
    process.stdout.write(`${t.name.padEnd(28)}${fmt(t.bytes).padStart(12)}${fmt(t.rows).padStart(10)}${per(t.bytes).padStart(11)}${before ? fmt(was ?? 0).padStart(12) : ''}\n`);
  }
}

const before = measure(path);
print(`catalog ${path}`, before);
if (values.compact) {
  const retentionDays = Number(values['retention-days']);
  const dir = mkdtempSync(join(tmpdir(), 'quarry-catalog-size-'));
  try {
    const copy = join(dir, 'catalog.sqlite');
    // Checkpoint into the copy: open the original read-only and back it up (WAL content included).
    const source = new Database(path, { readonly: true });
    await source.backup(copy);
    source.close();
    const catalog = openSqliteCatalog({ path: copy });
    const cutoff = new Date(Date.now() - retentionDays * 86_400_000);
    const versions = catalog.deleteMaterializationsOlderThan(cutoff).deletedCount;
    const events = catalog.pruneRunEvents(cutoff);
    catalog.compact();
    catalog.close();
    print(`after vacuum --retention-days ${retentionDays} (${fmt(versions)} expired versions, ${fmt(events)} step events pruned)`, measure(copy), before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
