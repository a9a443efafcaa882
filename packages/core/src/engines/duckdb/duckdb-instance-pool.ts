import type { DuckDBInstance } from '@duckdb/node-api';

/** How a `DuckDbInstancePool` gets, locks and retires instances. */
export interface DuckDbInstancePoolConfig {
  /** An instance that is already locked (settings fixed, access limited); called when none is idle. */
  readonly open: () => Promise<DuckDBInstance>;
  /** Closes an instance for good (called off the hot path, after the step that used it returned). */
  readonly retire: (instance: DuckDBInstance) => void;
  /** Idle instances kept; one more returned is retired. */
  readonly maxIdle: number;
  /** Steps one instance serves before it is retired, so caches an instance keeps cannot grow without bound. */
  readonly maxUses: number;
}

/** An instance lent by a `DuckDbInstancePool`; give it back with `release`. */
export interface PooledDuckDbInstance {
  readonly instance: DuckDBInstance;
  /** Steps it served before this one. */
  readonly uses: number;
}

/**
 * A small pool of locked DuckDB instances reused across steps: starting and locking an instance costs
 * more CPU than a small step, and closing one blocks the thread, so steps borrow an idle instance and
 * give it back. Each step uses its own connection, and its views are connection-local TEMP views, so
 * nothing of one step is visible to the next. An instance returned after a failure is retired, and
 * retiring happens on a later turn of the event loop, after the step has returned.
 *
 * ```ts
 * const pool = new DuckDbInstancePool({ open, retire: (i) => i.closeSync(), maxIdle: 2, maxUses: 500 });
 * const lease = await pool.acquire();
 * try { … } finally { pool.release(lease, true); }
 * ```
 */
export class DuckDbInstancePool {
  readonly #config: DuckDbInstancePoolConfig;
  readonly #idle: PooledDuckDbInstance[] = [];
  #closed = false;

  constructor(config: DuckDbInstancePoolConfig) {
    this.#config = config;
  }

  /** Instances waiting for a step. */
  get idleCount(): number {
    return this.#idle.length;
  }

  /** An idle instance, or a newly opened one when none is idle. */
  async acquire(): Promise<PooledDuckDbInstance> {
    const idle = this.#idle.pop();
    if (idle !== undefined) return idle;
    return { instance: await this.#config.open(), uses: 0 };
  }

  /**
   * Gives `lease` back: kept for the next step when `reusable` (the step finished cleanly), the pool is
   * open, not full and the instance has uses left; retired otherwise.
   */
  release(lease: PooledDuckDbInstance, reusable: boolean): void {
    const uses = lease.uses + 1;
    if (reusable && !this.#closed && uses < this.#config.maxUses && this.#idle.length < this.#config.maxIdle) {
      this.#idle.push({ instance: lease.instance, uses });
      return;
    }
    setImmediate(() => this.#config.retire(lease.instance));
  }

  /** Stops pooling and returns the idle instances for the caller to close (lent ones come back through `release`). */
  close(): DuckDBInstance[] {
    this.#closed = true;
    return this.#idle.splice(0).map((entry) => entry.instance);
  }
}
