import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileStore, FileTier, StorageFileRecord, StorageTierTotals } from '../catalog/index.ts';
import { DEFAULT_STORAGE_PRICES, resolveStorageTiers, type StoragePrices, type StorageTiers } from '../definitions/index.ts';
import { QuarryError } from '../errors.ts';
import { isLakeFile } from '../engines/engine.ts';
import type { Instance } from '../instance/index.ts';
import { checksumFile } from '../instance/lake-integrity.ts';
import { isMultiPartitionsDefinition, isTimeWindowPartitionsDefinition, type PartitionsContext, type PartitionsDefinition } from '../partitions/index.ts';
import { COLD_STORE_PREFIX, OBJECT_TEMP_PREFIX, type LakeFileRewriter, type ParquetRewriteOptions, type StartLakeFileRewriter, type TieredObjectStore } from '../storage/index.ts';

/**
 * How warm files are encoded: ZSTD at level 9 (lake files are written at DuckDB's default, 3) and row
 * groups of up to a million rows. Level 9 keeps most of level 19's saving at a fraction of its CPU
 * (see docs/storage-tiers.md for the measurement).
 */
export const WARM_ENCODING: ParquetRewriteOptions = Object.freeze({ zstdLevel: 9, rowGroupSize: 1_000_000 });

/** The points of a tier move at which the test-only `QUARRY_TEST_STORAGE_KILL_AT` hook can kill the process. */
export const STORAGE_MOVE_FAULT_POINTS = ['begun', 'copied', 'committed', 'deleted'] as const;

/** Options of `applyStorageTiers`. */
export interface ApplyStorageTiersOptions {
  /**
   * Starts the rewriter of warm files (started only when a file must be rewritten). Storage tiers do
   * not choose an engine: the CLI passes the DuckDB engine's (`startDuckDbParquetRewriter`).
   */
  readonly startRewriter: StartLakeFileRewriter;
  /** The time partition ages are measured at (default: now). */
  readonly now?: Date;
  /** Only report what would move. */
  readonly dryRun?: boolean;
  /**
   * Keep a moved file's old copy this long after its move committed (default 0: delete at once), so a
   * reader that looked up the old path just before the commit can still open it; a later apply deletes it.
   */
  readonly keepOldFilesMs?: number;
  /** How warm files are encoded (default `WARM_ENCODING`); the storage-tiers bench compares levels with it. */
  readonly warmEncoding?: ParquetRewriteOptions;
}

/** One file's move between tiers. */
export interface StorageTierMove {
  readonly assetKey: string;
  readonly partitionKey: string;
  readonly fromPath: string;
  /** The new path (`@cold/…` for the cold store); in a dry run, `undefined`. */
  readonly toPath: string | undefined;
  readonly from: FileTier;
  readonly to: FileTier;
  /** Age of the partition in days at `now`. */
  readonly ageDays: number;
  readonly bytesBefore: number;
  /** Size of the new file; in a dry run, `undefined`. */
  readonly bytesAfter: number | undefined;
}

/** What `applyStorageTiers` did. */
export interface ApplyStorageTiersReport {
  readonly dryRun: boolean;
  readonly now: Date;
  readonly moves: readonly StorageTierMove[];
  /** Files that should have moved but did not, with why (a damaged file, a failed rewrite). */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
  /** Interrupted moves of earlier applies finished (their leftover file deleted). */
  readonly recovered: number;
  /** The lake per tier after the apply. */
  readonly storage: StorageReport;
}

/** Bytes, files and monthly cost of one tier (in one store). */
export interface StorageTierReport {
  readonly tier: FileTier;
  readonly store: FileStore;
  readonly files: number;
  readonly bytes: number;
  /** US dollars per month at the tier's price. */
  readonly monthlyCost: number;
}

/** The lake per tier and its estimated monthly cost against keeping every file hot (`quarry storage`). */
export interface StorageReport {
  /** Whether the project declares tiers (otherwise every file is hot). */
  readonly configured: boolean;
  readonly prices: StoragePrices;
  readonly tiers: readonly StorageTierReport[];
  readonly files: number;
  readonly bytes: number;
  readonly monthlyCost: number;
  /** Every file as first written (hot), at the hot price. */
  readonly allHotBytes: number;
  readonly allHotMonthlyCost: number;
  /** `1 - monthlyCost / allHotMonthlyCost` (0 for an empty lake). */
  readonly saving: number;
  /** Tier moves in flight (an apply running, or one interrupted that the next apply finishes). */
  readonly movesInFlight: number;
}

const GIB = 1024 ** 3;
const TIER_RANK: Record<FileTier, number> = { hot: 0, warm: 1, cold: 2 };

/** The project's resolved storage tiers, or `undefined` when it declares none. */
export function storageTiersOf(instance: Instance): StorageTiers | undefined {
  return resolveStorageTiers(instance.project.storage);
}

/**
 * Bytes and file counts per tier, and the estimated monthly cost against all-hot, from the catalog
 * (no file is read). Prices come from the project's `storage.prices` over `DEFAULT_STORAGE_PRICES`.
 */
export function storageReport(instance: Instance): StorageReport {
  const tiers = storageTiersOf(instance);
  const prices = tiers?.prices ?? DEFAULT_STORAGE_PRICES;
  return reportOf(instance.catalog.storageTierSummary(), prices, tiers !== undefined, instance.catalog.storageMoves().length);
}

function reportOf(totals: readonly StorageTierTotals[], prices: StoragePrices, configured: boolean, movesInFlight: number): StorageReport {
  const tiers = totals.map((t) => ({ tier: t.tier, store: t.store, files: t.files, bytes: t.bytes, monthlyCost: (t.bytes / GIB) * prices[t.tier] }));
  const bytes = totals.reduce((n, t) => n + t.bytes, 0);
  const allHotBytes = totals.reduce((n, t) => n + t.hotBytes, 0);
  const monthlyCost = tiers.reduce((n, t) => n + t.monthlyCost, 0);
  const allHotMonthlyCost = (allHotBytes / GIB) * prices.hot;
  return {
    configured, prices, tiers, files: totals.reduce((n, t) => n + t.files, 0), bytes, monthlyCost, allHotBytes, allHotMonthlyCost,
    saving: allHotMonthlyCost === 0 ? 0 : 1 - monthlyCost / allHotMonthlyCost, movesInFlight,
  };
}

/**
 * Moves the lake's files to the tier their partition's age calls for (see docs/storage-tiers.md):
 * files of partitions older than `storage.hot` are rewritten warm (ZSTD level 9, large row groups;
 * the same rows, proved by digest), and older than `storage.warm` moved to the cold store. A file's
 * age runs from its time partition's window end, or, for other partitions, from its version's commit.
 *
 * Each move is copy → commit (the catalog points every version at the new file, in one transaction)
 * → delete the old file, recorded in the catalog first, so killing the process at any point loses
 * nothing: the next apply finishes or undoes what was in flight, and vacuum keeps the copies.
 * Data versions, `seq`s and staleness do not change: a tier move changes files, not content.
 *
 * ```ts
 * const report = await applyStorageTiers(instance, { startRewriter: startDuckDbParquetRewriter, now: new Date(), dryRun: true });
 * ```
 */
export async function applyStorageTiers(instance: Instance, options: ApplyStorageTiersOptions): Promise<ApplyStorageTiersReport> {
  const tiers = storageTiersOf(instance);
  if (tiers === undefined) {
    throw new QuarryError('QUARRY_STORAGE_TIERS_NOT_CONFIGURED', `Project "${instance.project.name}" declares no storage tiers: add storage: { hot: '30d', warm: '365d', cold: 'after 365d', coldStore: local('…') } to defineProject (see docs/storage-tiers.md).`);
  }
  const now = options.now ?? new Date();
  if (!(now instanceof Date) || !Number.isFinite(now.getTime())) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `The time to measure partition ages at is ${String(now)}: give a valid date, such as --now 2026-06-01T00:00:00Z.`);
  }
  const dryRun = options.dryRun === true;
  const keepOldFilesMs = options.keepOldFilesMs ?? 0;
  const catalog = instance.catalog;
  // Tiers move files between local folders: a target whose lake is a bucket (or whose versions are engine tables) has none.
  const store = instance.localStore;
  if (store === undefined) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `Storage tiers move lake files between local folders, but target "${instance.target.name}" keeps its lake in a ${instance.store.name} store: run quarry storage on a target with a local lake.`);
  }
  const files = catalog.storageFiles().filter((f) => isLakeFile(f.path));
  assertColdStorePresent(store, files);

  const recovered = dryRun ? 0 : await finishInterruptedMoves(instance, now, keepOldFilesMs);
  const busy = new Set(catalog.storageMoves().flatMap((m) => [m.fromPath, m.toPath]));
  const ctx: PartitionsContext = { ...instance.partitionsContext(), now };
  const planned: { file: StorageFileRecord; to: FileTier; ageMs: number }[] = [];
  for (const file of files) {
    if (busy.has(file.path)) continue;
    const ageMs = now.getTime() - ageOrigin(instance, file, ctx);
    const to: FileTier = tiers.coldAfterMs !== undefined && ageMs >= tiers.coldAfterMs ? 'cold' : ageMs >= tiers.warmAfterMs ? 'warm' : 'hot';
    if (TIER_RANK[to] > TIER_RANK[file.tier]) planned.push({ file, to, ageMs });
  }
  const moves: StorageTierMove[] = [];
  const skipped: { path: string; reason: string }[] = [];
  if (dryRun) {
    for (const p of planned) moves.push({ assetKey: p.file.assetKey, partitionKey: p.file.partitionKey, fromPath: p.file.path, toPath: undefined, from: p.file.tier, to: p.to, ageDays: p.ageMs / 86_400_000, bytesBefore: p.file.size ?? 0, bytesAfter: undefined });
    return { dryRun, now, moves, skipped, recovered, storage: storageReport(instance) };
  }
  const tempDir = join(instance.home, 'tmp');
  mkdirSync(tempDir, { recursive: true });
  let rewriter: LakeFileRewriter | undefined;
  const fault = faultInjector();
  try {
    for (const p of planned) {
      const { file, to } = p;
      const needsRewrite = file.tier === 'hot';
      const lakePath = file.path.startsWith(COLD_STORE_PREFIX) ? file.path.slice(COLD_STORE_PREFIX.length) : file.path;
      const dir = lakePath.slice(0, lakePath.lastIndexOf('/'));
      const name = needsRewrite ? `t_${now.getTime().toString(36)}_${randomBytes(6).toString('hex')}.parquet` : lakePath.slice(lakePath.lastIndexOf('/') + 1);
      const toPath = to === 'cold' ? `${COLD_STORE_PREFIX}${dir}/${name}` : `${dir}/${name}`;
      const move = catalog.beginStorageMove({ fromPath: file.path, toPath, toStore: to === 'cold' ? 'cold' : 'lake', tier: to, pid: process.pid });
      fault('begun');
      let committed = false;
      try {
        const source = store.localPath(file.path);
        // A damaged file must not be laundered into a new checksum: it stays where it is for `quarry verify`.
        const before = await checksumFile(source, file.path).catch(() => undefined);
        if (before === undefined) throw new QuarryError('QUARRY_LAKE_FILE_MISSING', 'file lost');
        if ((file.sha256 !== null && before.sha256 !== file.sha256) || (file.size !== null && before.size !== file.size)) throw new QuarryError('QUARRY_LAKE_FILE_MISSING', 'file changed');
        const temp = join(tempDir, `${OBJECT_TEMP_PREFIX}tier-${randomBytes(8).toString('hex')}.parquet`);
        try {
          if (needsRewrite) {
            rewriter ??= await options.startRewriter(tempDir);
            await rewriter.rewrite(source, temp, options.warmEncoding ?? WARM_ENCODING);
          } else {
            await copyFile(source, temp);
          }
          await store.putFile(toPath, temp);
        } finally {
          await rm(temp, { force: true });
        }
        fault('copied');
        const written = await checksumFile(store.localPath(toPath), toPath);
        committed = catalog.commitStorageMove(move.id, { size: written.size, sha256: written.sha256 });
        fault('committed');
        if (!committed) {
          await store.delete(toPath);
          catalog.finishStorageMove(move.id);
          skipped.push({ path: file.path, reason: 'no kept version names it any more' });
          continue;
        }
        if (keepOldFilesMs <= 0) {
          await store.delete(file.path);
          fault('deleted');
          catalog.finishStorageMove(move.id);
        }
        moves.push({ assetKey: file.assetKey, partitionKey: file.partitionKey, fromPath: file.path, toPath, from: file.tier, to, ageDays: p.ageMs / 86_400_000, bytesBefore: file.size ?? before.size, bytesAfter: written.size });
      } catch (error) {
        // Before the commit nothing points at the copy: remove it and forget the move. After it, the
        // move stays recorded and the next apply deletes the old file.
        if (!committed) {
          await store.delete(toPath).catch(() => undefined);
          catalog.finishStorageMove(move.id);
        }
        skipped.push({ path: file.path, reason: error instanceof Error ? error.message : String(error) });
      }
    }
  } finally {
    await rewriter?.close();
  }
  return { dryRun, now, moves, skipped, recovered, storage: storageReport(instance) };
}

/**
 * Finishes the moves an earlier apply left in flight (its process is dead): before their commit the
 * copy is deleted, after it the old file. Returns how many were finished.
 */
async function finishInterruptedMoves(instance: Instance, now: Date, keepOldFilesMs: number): Promise<number> {
  let finished = 0;
  for (const move of instance.catalog.storageMoves()) {
    const mine = move.pid === process.pid && move.state === 'committed';
    if (!move.orphaned && !mine) continue;
    if (move.state === 'committed' && now.getTime() - move.startedAt.getTime() < keepOldFilesMs) continue;
    await instance.store.delete(move.state === 'committed' ? move.fromPath : move.toPath);
    instance.catalog.finishStorageMove(move.id);
    finished += 1;
  }
  return finished;
}

// Where a file's age runs from: its time partition's window end, else its version's commit time.
function ageOrigin(instance: Instance, file: StorageFileRecord, ctx: PartitionsContext): number {
  const committed = file.committedAt.getTime();
  let definition: PartitionsDefinition | undefined;
  try {
    definition = instance.graph.has(file.assetKey) ? instance.partitionsOf(file.assetKey) : undefined;
  } catch {
    return committed;
  }
  let key = file.partitionKey;
  if (definition !== undefined && isMultiPartitionsDefinition(definition)) {
    const time = definition.dimensions.find((d) => isTimeWindowPartitionsDefinition(d.definition));
    if (time === undefined) return committed;
    try {
      key = definition.splitKey(key)[time.name]!;
    } catch {
      return committed;
    }
    definition = time.definition;
  }
  if (definition === undefined || !isTimeWindowPartitionsDefinition(definition)) return committed;
  try {
    return definition.windowOf(definition.indexOf(key, ctx)).end.getTime();
  } catch {
    // A key outside the definition now (its start moved): the commit time is all we know.
    return committed;
  }
}

// A cold store that held files and is gone (an unmounted disk) is an error, not an empty folder to fill.
function assertColdStorePresent(store: TieredObjectStore, files: readonly StorageFileRecord[]): void {
  const cold = store.cold;
  const coldFiles = files.filter((f) => f.store === 'cold').length;
  if (cold === undefined) {
    if (coldFiles > 0) {
      throw new QuarryError('QUARRY_COLD_STORE_MISSING', `The catalog records ${coldFiles} file${coldFiles === 1 ? '' : 's'} in the cold store, but the project configures no storage.coldStore: add coldStore: local('…') naming the folder they were moved to.`);
    }
    return;
  }
  if (existsSync(cold.root)) return;
  if (coldFiles > 0) {
    throw new QuarryError('QUARRY_COLD_STORE_MISSING', `The cold store folder ${cold.root} is missing, but the catalog records ${coldFiles} file${coldFiles === 1 ? '' : 's'} in it: mount or restore it (or fix storage.coldStore), then run again.`, { details: { root: cold.root } });
  }
  mkdirSync(cold.root, { recursive: true });
}

// Test-only: QUARRY_TEST_STORAGE_KILL_AT=<point>:<n> kills this process (SIGKILL) the n-th time a move reaches <point>.
function faultInjector(): (point: (typeof STORAGE_MOVE_FAULT_POINTS)[number]) => void {
  const spec = process.env['QUARRY_TEST_STORAGE_KILL_AT'];
  if (spec === undefined || spec === '') return () => undefined;
  const [point, count] = spec.split(':');
  let remaining = Number(count ?? '1');
  return (reached) => {
    if (reached !== point) return;
    remaining -= 1;
    if (remaining <= 0) process.kill(process.pid, 'SIGKILL');
  };
}

