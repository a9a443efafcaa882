import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';

/** One partition version as the catalog file holds it. */
export interface MaterializationRow {
  readonly id: number;
  readonly asset: string;
  readonly partition: string;
  readonly runId: string | null;
  readonly dataVersion: string;
  readonly rowCount: number | null;
}

/**
 * What the e2e tests read from a project's catalog.sqlite directly, read-only: the CLI has no view of
 * the materialization history (every version, not only the current one) or of the files each
 * version references.
 */
export interface CatalogSnapshot {
  /** Every materialization, oldest first. */
  readonly materializations: readonly MaterializationRow[];
  /** `asset [partition]` → current data version. */
  readonly currentDataVersions: ReadonlyMap<string, string>;
  /** `asset [partition]` → id of the current materialization. */
  readonly currentIds: ReadonlyMap<string, number>;
  /** Every lake path any materialization references. */
  readonly referencedFiles: ReadonlySet<string>;
}

/** `asset [partition]`, the key of the snapshot's maps. */
export function partitionLabel(asset: string, partition: string): string {
  return `${asset} [${partition}]`;
}

/** Reads the catalog at `catalogPath` without writing to it. */
export function readCatalogSnapshot(catalogPath: string): CatalogSnapshot {
  const db = new Database(catalogPath, { readonly: true, fileMustExist: true });
  try {
    const materializations = db
      .prepare(
        `select m.id as id, a.asset_key as asset, m.partition_key as partition, m.run_id as runId,
                m.data_version as dataVersion, m.row_count as rowCount
         from materializations m join assets a on a.id = m.asset_id
         order by m.seq`,
      )
      .all() as MaterializationRow[];
    const current = db
      .prepare(
        `select a.asset_key as asset, c.partition_key as partition, c.materialization_id as id, v.data_version as dataVersion
         from current_partitions c
         join assets a on a.id = c.asset_id
         join current_versions v on v.asset_id = c.asset_id and v.partition_key = c.partition_key`,
      )
      .all() as { asset: string; partition: string; id: number; dataVersion: string }[];
    const files = db.prepare('select path from materialization_files').all() as { path: string }[];
    return {
      materializations,
      currentDataVersions: new Map(current.map((c) => [partitionLabel(c.asset, c.partition), c.dataVersion])),
      currentIds: new Map(current.map((c) => [partitionLabel(c.asset, c.partition), c.id])),
      referencedFiles: new Set(files.map((f) => f.path)),
    };
  } finally {
    db.close();
  }
}

/** How many materializations each `asset [partition]` has. */
export function materializationCounts(snapshot: CatalogSnapshot): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of snapshot.materializations) {
    const label = partitionLabel(m.asset, m.partition);
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return counts;
}

/**
 * Every file under the lake directory (dot-files included), as lake-relative paths with `/`, except
 * the lake's marker file `.quarry-instance.json` (it names the catalog; no version references it).
 */
export function lakeFiles(lakeDir: string): string[] {
  if (!existsSync(lakeDir)) return [];
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (statSync(path).isFile()) files.push(relative(lakeDir, path).split('\\').join('/'));
    }
  };
  walk(lakeDir);
  return files.filter((f) => f !== '.quarry-instance.json').sort();
}
