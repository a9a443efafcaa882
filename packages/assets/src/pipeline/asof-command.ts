import { parseArgs } from 'node:util';
import { isQuarryError, openInstance } from '@quarry/core';
import type { CommandDefinition, CommandIo } from '../cli/command.ts';
import { asOfInstant, creatorAsOf } from './followers-as-of.ts';

const USAGE = `Usage: quarry-tiktok asof --creator ID --at DAY|TIMESTAMP [--project DIR] [--json]

Answers "what was creator X's follower count on DAY?" from the SCD2 history (core/creator_history)
of a materialized TikTok project.

  --creator ID     creator id, e.g. c_000042
  --at WHEN        YYYY-MM-DD (the state at the end of that day, UTC) or an ISO timestamp with a zone
  --project DIR    the project directory (default: the working directory)
  --json           print the answer as one JSON object`;

async function run(args: string[], io: CommandIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        creator: { type: 'string' },
        at: { type: 'string' },
        project: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    io.stderr(`quarry-tiktok asof: ${(error as Error).message.replace(/\.$/, '')}: run quarry-tiktok asof --help for the options.`);
    return 1;
  }
  if (values.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  const creator = values.creator as string | undefined;
  const at = values.at as string | undefined;
  if (creator === undefined || creator.trim() === '') {
    io.stderr('quarry-tiktok asof: --creator is required: pass a creator id, e.g. --creator c_000042.');
    return 1;
  }
  if (at === undefined) {
    io.stderr('quarry-tiktok asof: --at is required: pass a day, e.g. --at 2026-01-15.');
    return 1;
  }
  let instance;
  try {
    asOfInstant(at);
    instance = await openInstance({ projectDir: (values.project as string | undefined) ?? process.cwd() });
  } catch (error) {
    if (!isQuarryError(error)) throw error;
    io.stderr(`quarry-tiktok asof: ${error.message}`);
    return 1;
  }
  try {
    const version = await creatorAsOf(instance, creator, at);
    if (values.json === true) {
      io.stdout(JSON.stringify(version === undefined ? { creatorId: creator, at: asOfInstant(at).toISOString(), followers: null } : version));
      return version === undefined ? 3 : 0;
    }
    const when = /^\d{4}-\d{2}-\d{2}$/.test(at) ? `at the end of ${at} (UTC)` : `at ${at}`;
    if (version === undefined) {
      io.stdout(`${creator} had no accepted creator row ${when}: it did not exist yet, or the id is unknown.`);
      return 3;
    }
    io.stdout(
      `${creator} had ${version.followers.toLocaleString('en-US')} followers ${when} ` +
        `(version ${version.version} of ${version.versions}, valid from ${version.validFrom} ${version.validTo === null ? 'and still current' : `until ${version.validTo}`}; ` +
        `from ${version.sourceFile} line ${version.sourceLine})`,
    );
    return 0;
  } catch (error) {
    if (!isQuarryError(error)) throw error;
    io.stderr(`quarry-tiktok asof: ${error.message}`);
    return 1;
  } finally {
    await instance.close();
  }
}

/** `quarry-tiktok asof`: a creator's follower count at a point in time, from the SCD2 history. */
export const asofCommand: CommandDefinition = {
  summary: "a creator's followers at a point in time (from the SCD2 history)",
  usage: USAGE,
  run,
};
