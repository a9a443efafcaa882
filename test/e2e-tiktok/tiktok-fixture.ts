// A fresh TikTok project for one end-to-end test file: a generated landing folder, a quarry.config.ts
// reading it, and an instance with its own state, all under test-output/ (gitignored).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { assetRelationName, defineProject, openInstance, type Instance, type PlanOptions, type RunRecord } from '@quarry/core';
import { TikTokTruth, defineTikTokPipelineFromLanding, generate, type TikTokModelOptions } from '@quarry/assets';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Options of `createTikTokFixture`: the generator's model options (days may grow later with `addDays`). */
export type TikTokFixtureOptions = TikTokModelOptions;

/** A generated landing with a project over it. */
export class TikTokFixture {
  readonly root: string;
  readonly landingDir: string;
  options: TikTokModelOptions;
  truth: TikTokTruth;
  instance!: Instance;

  private constructor(root: string, options: TikTokModelOptions) {
    this.root = root;
    this.landingDir = join(root, 'landing');
    this.options = options;
    this.truth = new TikTokTruth(options);
  }

  /** Generates the landing under `test-output/<name>-<pid>-<time>` and opens an instance over it. */
  static async create(name: string, options: TikTokFixtureOptions): Promise<TikTokFixture> {
    const root = join(repoRoot, 'test-output', `${name}-${process.pid}-${Date.now().toString(36)}`);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    // The same config a user writes, so the asof CLI can load the project from this directory.
    writeFileSync(
      join(root, 'quarry.config.ts'),
      [
        "import { fileURLToPath } from 'node:url';",
        "import { defineProject } from '@quarry/core';",
        "import { defineTikTokPipelineFromLanding } from '@quarry/assets';",
        "const landing = fileURLToPath(new URL('./landing', import.meta.url));",
        "export default defineProject({ name: 'tiktok-e2e', assets: defineTikTokPipelineFromLanding(landing).assets });",
        '',
      ].join('\n'),
    );
    const fixture = new TikTokFixture(root, options);
    await generate({ ...options, out: fixture.landingDir });
    await fixture.open();
    return fixture;
  }

  /** (Re)opens the instance with a project built from the landing's current manifest. */
  async open(): Promise<Instance> {
    // Built here rather than imported from quarry.config.ts: ESM caches the config module, so a
    // second import in this process would not see days added to the landing.
    const project = defineProject({ name: 'tiktok-e2e', assets: defineTikTokPipelineFromLanding(this.landingDir).assets });
    this.instance = await openInstance({ project, projectDir: this.root, quarryHome: join(this.root, '.quarry') });
    return this.instance;
  }

  /** Regenerates the landing with `days` days (earlier day folders are reused) and reopens the instance. */
  async growTo(days: number): Promise<void> {
    await this.instance.close();
    this.options = { ...this.options, days };
    this.truth = new TikTokTruth(this.options);
    await generate({ ...this.options, out: this.landingDir });
    await this.open();
  }

  /** Plans and runs `options` to the end; throws when the run does not succeed. */
  async run(options: PlanOptions & { concurrency?: number } = {}): Promise<RunRecord> {
    const { runId } = await this.instance.startRun({ concurrency: 2, ...options });
    const record = await this.instance.waitForRun(runId);
    if (record.status !== 'succeeded') {
      const failed = this.instance.listSteps(runId).filter((s) => s.status !== 'succeeded');
      throw new Error(`run ${runId} ${record.status}: ${failed.map((s) => `${s.stepId}: ${s.error}`).join('; ')}`);
    }
    return record;
  }

  /** Rows of SQL over every asset (views named like `raw__creator_changes`). */
  async rows(sql: string): Promise<Record<string, unknown>[]> {
    return (await this.instance.query(sql)).rows;
  }

  /**
   * Rows of reference SQL that reads the landing files itself besides every asset's view: `quarry query`
   * cannot open files outside the lake's views, so an independent reference runs on a DuckDB of its own
   * (unlocked), with the same views over the same current files.
   */
  async referenceRows(sql: string): Promise<Record<string, unknown>[]> {
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      for (const asset of this.instance.graph.assets()) {
        if (asset.type !== 'asset') continue;
        const files = this.instance.catalog
          .materializationHistory(asset.key, undefined, { limit: Number.MAX_SAFE_INTEGER })
          .filter((m) => m.current)
          .flatMap((m) => m.files.map((path) => this.instance.store.localPath(path)!));
        if (files.length === 0) continue;
        const list = files.map(sqlString).join(', ');
        await connection.run(`CREATE VIEW ${assetRelationName(asset.key)} AS SELECT * FROM read_parquet([${list}], hive_partitioning = false, union_by_name = true)`);
      }
      await connection.run("SET TimeZone = 'UTC'");
      return (await connection.runAndReadAll(sql)).getRowObjectsJS();
    } finally {
      connection.closeSync();
      db.closeSync();
    }
  }

  /** The days of the landing, in order. */
  get days(): readonly string[] {
    return this.truth.days;
  }

  async close(): Promise<void> {
    await this.instance.close();
    if (process.env.KEEP_TEST_OUTPUT !== '1') rmSync(this.root, { recursive: true, force: true });
  }
}

/** A quoted SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
