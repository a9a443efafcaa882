import type { BlockedStep, Plan } from '../../planner/index.ts';
import { formatBytes, type PlanEstimate } from '../../instance/index.ts';
import { writeLine } from '../cli-io.ts';
import { flag, type Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';
import { PARTITION_OPTIONS, partitionSelectionOf } from '../partition-options.ts';

/** One planned or blocked asset partition as `--json` prints it. */
interface PlanItemJson {
  asset: string;
  partition: string;
  reason: string;
  upstream?: { asset: string; partition: string };
  nonexistentUpstream?: readonly { asset: string; from: string; to: string; count: number }[];
  /** Why the partition runs in a step of its own although its asset declares range steps. */
  unbatched?: string;
}

/** The plan as `--json` prints it: one item per asset partition, then the blocked ones (`upstream_nonexistent`, `upstream_blocked`) when there are any. */
export function planToJson(plan: Plan): { steps: PlanItemJson[]; blocked?: PlanItemJson[] } {
  return {
    steps: plan.steps.flatMap((s) =>
      s.partitionKeys.map((partition) => ({
        asset: s.assetKey,
        partition,
        reason: s.reason.cause,
        ...(s.reason.upstream ? { upstream: s.reason.upstream } : {}),
        ...(s.unbatched !== undefined ? { unbatched: s.unbatched } : {}),
      })),
    ),
    ...(plan.blocked !== undefined && plan.blocked.length > 0 ? { blocked: blockedToJson(plan.blocked) } : {}),
  };
}

function blockedToJson(blocked: readonly BlockedStep[]): PlanItemJson[] {
  return blocked.flatMap((s) =>
      s.partitionKeys.map((partition) => ({
        asset: s.assetKey,
        partition,
        reason: s.reason.cause,
        ...(s.reason.upstream ? { upstream: s.reason.upstream } : {}),
        ...(s.nonexistentUpstream.length > 0 ? { nonexistentUpstream: s.nonexistentUpstream } : {}),
      })),
  );
}

function partsOf(keys: readonly string[]): string {
  const part = keys.length > 1 ? `${keys[0]}..${keys[keys.length - 1]}` : (keys[0] ?? '');
  return part === '' ? 'unpartitioned' : part;
}

function describeNonexistent(list: readonly { asset: string; from: string; to: string }[]): string {
  return list.map((m) => (m.from === m.to ? `${m.asset} ${m.from}` : `${m.asset} ${m.from}..${m.to}`)).join(', ');
}

/** The blocked partitions of a plan for people: a header line, then one line per blocked step with why; none when nothing is blocked. */
export function formatBlocked(plan: Plan): string[] {
  const blocked = (plan.blocked ?? []).map((s) => `  ${s.assetKey} [${partsOf(s.partitionKeys)}]  ${s.reason.cause}: ${s.reason.detail}`);
  return blocked.length === 0 ? [] : [`Blocked: ${blocked.length} step${blocked.length === 1 ? '' : 's'} not planned`, ...blocked];
}

/** Formats a plan for people: one line per step with its reason, a count per asset, then the blocked partitions and why. */
export function formatPlan(plan: Plan): string[] {
  const blockedLines = formatBlocked(plan);
  if (plan.steps.length === 0) return [`Nothing to do: every selected partition is up to date${blockedLines.length > 0 ? ' or blocked' : ''}.`, ...blockedLines];
  const lines = plan.steps.map((s) => {
    const why = s.reason.upstream ? `${s.reason.cause} (${s.reason.upstream.asset} [${s.reason.upstream.partition}])` : s.reason.detail ? `${s.reason.cause} (${s.reason.detail})` : s.reason.cause;
    const note =
      (s.nonexistentUpstream ? `; without nonexistent upstream ${describeNonexistent(s.nonexistentUpstream)} (allowed)` : '') +
      (s.unbatched !== undefined ? `; not batched: ${s.unbatched}` : '');
    return `  ${s.assetKey} [${partsOf(s.partitionKeys)}]  ${why}${note}`;
  });
  const perAsset = new Map<string, number>();
  for (const s of plan.steps) perAsset.set(s.assetKey, (perAsset.get(s.assetKey) ?? 0) + s.partitionKeys.length);
  return [
    `Plan: ${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'}`,
    ...lines,
    ...[...perAsset].map(([asset, n]) => `${asset}: ${n} partition${n === 1 ? '' : 's'}`),
    ...blockedLines,
  ];
}

/** The lines `quarry plan` adds for columns of planned assets that are PII by propagation; none when there are none. */
export function formatPropagatedPii(columns: readonly { asset: string; column: string; class: string; from: readonly { asset: string; column: string }[] }[]): string[] {
  if (columns.length === 0) return [];
  return [
    `PII by propagation: ${columns.length} column${columns.length === 1 ? '' : 's'} (masked like declared PII; declare pii: 'none' on a column that is not)`,
    ...columns.map((c) => `  ${c.asset}.${c.column} becomes ${c.class} PII from ${c.from.map((f) => `${f.asset}.${f.column}`).join(', ')}`),
  ];
}

/** The dry-run estimate as `--json` prints it (`cost`). */
export function planEstimateToJson(estimate: PlanEstimate): Record<string, unknown> {
  return {
    target: estimate.target,
    pricePerTiB: estimate.pricePerTiB,
    totalBytes: estimate.totalBytes,
    estimatedCost: estimate.estimatedCost,
    steps: estimate.steps.map((s) => ({ step: s.stepId, asset: s.assetKey, engine: s.engine, bytes: s.bytesProcessed ?? null, ...(s.estimatedCost !== undefined ? { cost: s.estimatedCost } : {}), ...(s.note !== undefined ? { note: s.note } : {}) })),
  };
}

/** USD for people: `$0.0123` below a cent, else `$1.23`. */
export function formatUsd(amount: number): string {
  return amount > 0 && amount < 0.01 ? `$${amount.toPrecision(3)}` : `$${amount.toFixed(2)}`;
}

/** The lines `quarry plan` prints for the dry runs: each step's bytes and cost (or why there is none), then the total. */
export function formatPlanEstimate(estimate: PlanEstimate): string[] {
  const unknown = estimate.steps.filter((s) => s.bytesProcessed === undefined).length;
  return [
    `Dry run on target ${estimate.target} (at ${formatUsd(estimate.pricePerTiB)} per TiB):`,
    ...estimate.steps.map((s) =>
      s.bytesProcessed === undefined ? `  ${s.stepId}  not estimated: ${s.note ?? 'no dry run'}` : `  ${s.stepId}  ${formatBytes(s.bytesProcessed)}  ${formatUsd(s.estimatedCost ?? 0)}${s.note !== undefined ? `  (${s.note})` : ''}`,
    ),
    `Total: ${formatBytes(estimate.totalBytes)} (${estimate.totalBytes} bytes), estimated ${formatUsd(estimate.estimatedCost)}${unknown > 0 ? `; ${unknown} step${unknown === 1 ? '' : 's'} not estimated` : ''}`,
  ];
}

/** `quarry plan [SELECTION] [--partition K | --from A --to B] [--json]`: what would run, and why. */
export const planCommand: Command = {
  name: 'plan',
  usage: 'quarry plan [SELECTION] [--partition KEY | --from KEY --to KEY] [--json]',
  summary: 'show the steps a materialization would run, each with its reason',
  options: { ...PARTITION_OPTIONS, json: { type: 'boolean', help: 'print JSON: { steps: [{ asset, partition, reason }], blocked: [{ asset, partition, reason }], cost: { totalBytes, estimatedCost, steps } } (cost on targets with dry runs)' }, force: { type: 'boolean', help: 'plan fresh partitions too' } },
  maxPositionals: 1,
  async run(args, io) {
    const instance = await openCliInstance(args, io);
    try {
      const partitions = partitionSelectionOf(args);
      const plan = await instance.plan({
        ...(args.positionals[0] !== undefined ? { selection: args.positionals[0] } : {}),
        ...(partitions ? { partitions } : {}),
        ...(flag(args, 'force') ? { force: true } : {}),
      });
      // Columns of the planned assets that become PII by propagation (a reviewer should know before they are written).
      const planned = new Set(plan.steps.map((s) => s.assetKey));
      const propagated = (await instance.piiReport()).filter((c) => c.source === 'propagated' && planned.has(c.asset)).map(({ asset, column, class: cls, from }) => ({ asset, column, class: cls, from }));
      // Cost before: on an engine with dry runs (BigQuery), each step's bytes and estimated cost.
      const estimate = plan.steps.length > 0 && (await instance.hasDryRun()) ? await instance.estimatePlan(plan) : undefined;
      if (flag(args, 'json')) writeLine(io.stdout, JSON.stringify({ ...planToJson(plan), ...(propagated.length > 0 ? { propagatedPii: propagated } : {}), ...(estimate !== undefined ? { cost: planEstimateToJson(estimate) } : {}) }));
      else for (const line of [...formatPlan(plan), ...formatPropagatedPii(propagated), ...(estimate !== undefined ? formatPlanEstimate(estimate) : [])]) writeLine(io.stdout, line);
      return 0;
    } finally {
      await instance.close();
    }
  },
};
