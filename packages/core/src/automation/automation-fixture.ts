import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineProject, type ProjectConfig } from '../definitions/index.ts';
import { createManualClock, type ManualClock } from '../execution/index.ts';
import { openInstance, type Instance } from '../instance/index.ts';

/**
 * A temp project with an instance on a manual clock (sleeps wait for `advance`), for daemon tests;
 * removed after `fn`.
 */
export async function withAutomationInstance(config: Omit<ProjectConfig, 'name'>, start: string, fn: (instance: Instance, clock: ManualClock, dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'quarry-automation-'));
  const clock = createManualClock({ start: Date.parse(start), autoAdvance: false });
  const instance = await openInstance({ project: defineProject({ name: 'automation', ...config }), projectDir: dir, quarryHome: join(dir, '.quarry'), clock });
  try {
    await fn(instance, clock, dir);
  } finally {
    await instance.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Lets pending promise callbacks and I/O run (a daemon tick awaiting its sensor, say). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5));
}
