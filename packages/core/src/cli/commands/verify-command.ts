import { cliLog } from '../cli-logger.ts';
import { writeLine } from '../cli-io.ts';
import { flag, type Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';

/** `quarry verify [SELECTION] [--repair] [--quick] [--json]`: check the lake files of the current versions. */
export const verifyCommand: Command = {
  name: 'verify',
  usage: 'quarry verify [SELECTION] [--repair] [--quick] [--json]',
  summary: 'check that every current version\'s lake files exist with the size and checksum recorded at commit',
  options: {
    repair: { type: 'boolean', help: 'mark damaged versions lost, so the next plan re-materializes them' },
    quick: { type: 'boolean', help: 'check sizes only (a stat per file), not checksums (a full read)' },
    json: { type: 'boolean', help: 'print JSON' },
  },
  maxPositionals: 1,
  async run(args, io) {
    const instance = await openCliInstance(args, io);
    try {
      const repair = flag(args, 'repair');
      const report = await instance.verify({ ...(args.positionals[0] !== undefined ? { selection: args.positionals[0] } : {}), quick: flag(args, 'quick'), repair });
      if (flag(args, 'json')) {
        writeLine(io.stdout, JSON.stringify(report));
        return report.damaged > 0 && !repair ? 1 : 0;
      }
      for (const asset of report.assets) {
        if (asset.files === 0 && asset.lost.length === 0) continue;
        const notes = [`${asset.files} file${asset.files === 1 ? '' : 's'}`, `${asset.damaged.length} damaged`];
        if (asset.unverified > 0) notes.push(`${asset.unverified} without a recorded ${flag(args, 'quick') ? 'size' : 'size or checksum'}`);
        writeLine(io.stdout, `${asset.assetKey}: ${notes.join(', ')}`);
        for (const d of asset.damaged) writeLine(io.stdout, `  ${d.partitionKey || '(unpartitioned)'}  ${d.problem}  ${d.path}`);
        for (const l of asset.lost) writeLine(io.stdout, `  ${l.partitionKey || '(unpartitioned)'}  marked lost (${l.detail}); materialize it again`);
      }
      if (report.damaged === 0) {
        writeLine(io.stdout, 'Every file of every current version is intact.');
        return 0;
      }
      if (repair) {
        writeLine(io.stdout, `Marked ${report.repaired} version${report.repaired === 1 ? '' : 's'} lost: \`quarry plan\` now shows ${report.repaired === 1 ? 'its partition' : 'their partitions'} as missing; \`quarry materialize\` writes ${report.repaired === 1 ? 'it' : 'them'} again.`);
        return 0;
      }
      cliLog(io).warn({ event: 'verify_damaged' }, `Found ${report.damaged} damaged file${report.damaged === 1 ? '' : 's'}: run \`quarry verify --repair\` to mark ${report.damaged === 1 ? 'its version' : 'their versions'} lost, then \`quarry materialize\` to write ${report.damaged === 1 ? 'it' : 'them'} again.`);
      return 1;
    } finally {
      await instance.close();
    }
  },
};
