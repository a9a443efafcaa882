import type { Plan } from '../../planner/index.ts';
import { writeLine } from '../cli-io.ts';
import { flag, type Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';
import { PARTITION_OPTIONS, partitionSelectionOf } from '../partition-options.ts';

/** The plan as `--json` prints it: one item per asset partition. */
export function planToJson(plan: Plan): { steps: { asset: string; partition: string; reason: string; upstream?: { asset: string; partition: string } }[] } {
  return {
    steps: plan.steps.flatMap((s) =>
      s.partitionKeys.map((partition) => ({
        asset: s.assetKey,
        partition,
        reason: s.reason.cause,
        ...(s.reason.upstream ? { upstream: s.reason.upstream } : {}),
      })),
    ),
  };
}

/** Formats a plan for people: one line per step with its reason, then a count per asset. */
export function formatPlan(plan: Plan): string[] {
  if (plan.steps.length === 0) return ['Nothing to do: every selected partition is up to date.'];
  const lines = plan.steps.map((s) => {
    const part = s.partitionKeys.length > 1 ? `${s.partitionKeys[0]}..${s.partitionKeys[s.partitionKeys.length - 1]}` : (s.partitionKeys[0] ?? '');
    const why = s.reason.upstream ? `${s.reason.cause} (${s.reason.upstream.asset} [${s.reason.upstream.partition}])` : s.reason.detail ? `${s.reason.cause} (${s.reason.detail})` : s.reason.cause;
    return `  ${s.assetKey} [${part === '' ? 'unpartitioned' : part}]  ${why}`;
  });
  const perAsset = new Map<string, number>();
  for (const s of plan.steps) perAsset.set(s.assetKey, (perAsset.get(s.assetKey) ?? 0) + s.partitionKeys.length);
  return [
    `Plan: ${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'}`,
    ...lines,
    ...[...perAsset].map(([asset, n]) => `${asset}: ${n} partition${n === 1 ? '' : 's'}`),
  ];
}

/** `quarry plan [SELECTION] [--partition K | --from A --to B] [--json]`: what would run, and why. */
export const planCommand: Command = {
  name: 'plan',
  usage: 'quarry plan [SELECTION] [--partition KEY | --from KEY --to KEY] [--json]',
  summary: 'show the steps a materialization would run, each with its reason',
  options: { ...PARTITION_OPTIONS, json: { type: 'boolean', help: 'print JSON: { steps: [{ asset, partition, reason }] }' }, force: { type: 'boolean', help: 'plan fresh partitions too' } },
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
      if (flag(args, 'json')) writeLine(io.stdout, JSON.stringify(planToJson(plan)));
      else for (const line of formatPlan(plan)) writeLine(io.stdout, line);
      return 0;
    } finally {
      await instance.close();
    }
  },
};
