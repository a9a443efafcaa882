import { maskPiiRows } from '../../definitions/index.ts';
import { resolveSelection } from '../../graph/index.ts';
import { piiColumnsFrom } from '../../instance/instance-pii.ts';
import { resolvePartitionTargets } from '../../planner/index.ts';
import { formatTable, writeLine } from '../cli-io.ts';
import { flag, type Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';
import { PARTITION_OPTIONS, partitionSelectionOf } from '../partition-options.ts';

/** `quarry checks [SELECTION] [--partition K | --from A --to B] [--unmask] [--json]`: latest check results, samples (PII masked) and scores. */
export const checksCommand: Command = {
  name: 'checks',
  usage: 'quarry checks [SELECTION] [--partition KEY | --from KEY --to KEY] [--unmask] [--json]',
  summary: 'show the latest quality check results, failing samples and 0–100 scores',
  options: { ...PARTITION_OPTIONS, unmask: { type: 'boolean', help: 'show the values of PII columns in failing samples instead of masking them' }, json: { type: 'boolean', help: 'print JSON' } },
  maxPositionals: 1,
  async run(args, io) {
    const instance = await openCliInstance(args, io);
    try {
      const partitions = partitionSelectionOf(args);
      const ctx = instance.partitionsContext();
      const keys = resolveSelection(instance.graph, args.positionals[0]).filter((k) => {
        const a = instance.graph.get(k);
        return a.type === 'asset' && a.checks.length > 0;
      });
      // The same targets plan and materialize read from these options.
      const targets = partitions === undefined ? undefined : resolvePartitionTargets(instance.graph, keys, partitions, ctx);
      const unmask = flag(args, 'unmask');
      const pii = unmask ? undefined : await instance.projectPii();
      const report = keys.map((key) => {
        const definition = instance.partitionsOf(key);
        let inRange = (_partition: string) => true;
        if (targets !== undefined && definition !== undefined) {
          const subset = targets.get(key)!;
          inRange = (p) => definition.isValidKey(p, ctx) && subset.has(definition.indexOf(p, ctx));
        }
        const masking = pii === undefined ? undefined : piiColumnsFrom(pii, key);
        const results = instance
          .checkResults(key)
          .filter((r) => inRange(r.partitionKey))
          .map((r) => (masking === undefined || r.sampleRows === null ? r : { ...r, sampleRows: maskPiiRows(r.sampleRows, masking) }));
        const scores = instance.qualityScores(key).filter((s) => inRange(s.partitionKey));
        const scored = scores.filter((s) => s.score !== null);
        const mean = scored.length === 0 ? null : Math.round((100 * scored.reduce((a, s) => a + s.score!, 0)) / scored.length) / 100;
        return { asset: key, score: mean, partitions: scores, results };
      });
      if (flag(args, 'json')) {
        writeLine(io.stdout, JSON.stringify({ assets: report }));
        return 0;
      }
      if (report.length === 0) writeLine(io.stdout, 'No selected asset declares checks.');
      for (const a of report) {
        writeLine(io.stdout, `${a.asset}  score ${a.score ?? '-'} over ${a.partitions.length} partition${a.partitions.length === 1 ? '' : 's'}`);
        const rows = a.results.map((r) => {
          const status = String((r.metadata as Record<string, unknown>).status ?? (r.passed ? 'passed' : 'failed'));
          return [r.partitionKey || '-', r.checkName, status, r.severity, r.failingCount === null ? '-' : String(r.failingCount), r.message ?? ''];
        });
        if (rows.length > 0) writeLine(io.stdout, formatTable(['PARTITION', 'CHECK', 'STATUS', 'SEVERITY', 'FAILING', 'MESSAGE'], rows));
        for (const r of a.results.filter((x) => !x.passed && (x.sampleRows?.length ?? 0) > 0)) {
          writeLine(io.stdout, `  sample of ${r.checkName} [${r.partitionKey}]: ${JSON.stringify(r.sampleRows!.slice(0, 3))}`);
        }
      }
      return 0;
    } finally {
      await instance.close();
    }
  },
};
