import { parseArgs } from 'node:util';
import { DEFAULT_DEFECT_RATE, GeneratorError, generate } from '../generator/index.ts';
import type { GenerateSummary } from '../generator/index.ts';
import type { CommandDefinition, CommandIo } from './command.ts';

const USAGE = `Usage: quarry-tiktok generate --creators N --days D --out DIR [--start YYYY-MM-DD] [--seed S] [--defect-rate R] [--overwrite]

Writes a deterministic synthetic TikTok landing folder: DIR/<day>/creators.ndjson, videos.csv,
intraday/<HH-MM>.ndjson, and the ground truth in DIR/_truth/.

  --creators N      creators in the initial load (1..50000000)
  --days D          days to generate, the first being --start (1..3650)
  --out DIR         the landing folder (new, empty, or an earlier landing of the same arguments)
  --start DATE      first day, default 2025-01-01
  --seed S          PRNG seed, 0..4294967295, default 1
  --defect-rate R   share of rows with an injected defect, 0..0.5, default ${DEFAULT_DEFECT_RATE}
  --overwrite       rewrite every day folder (by default unchanged days of an earlier run are kept)`;

const EXAMPLES: Record<string, number> = { creators: 10_000, days: 30, seed: 42 };

function integerOption(name: string, value: string | undefined, fallback?: number): number {
  if (value === undefined) {
    if (fallback !== undefined) return fallback;
    throw new GeneratorError(`--${name} is required: pass it, e.g. --${name} ${EXAMPLES[name] ?? 1}.`);
  }
  if (!/^\d+$/.test(value.trim())) throw new GeneratorError(`--${name} "${value}" is not a whole number: pass digits only, e.g. --${name} ${EXAMPLES[name] ?? 1}.`);
  return Number(value);
}

function numberOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new GeneratorError(`--${name} "${value}" is not a number: pass e.g. --${name} 0.01.`);
  return n;
}

/** The one-line summary `generate` prints. */
export function formatSummary(s: GenerateSummary): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const defects = Object.values(s.defects).reduce((a, b) => a + b, 0);
  const mb = (s.bytes / 1e6).toFixed(1);
  return (
    `generated ${s.options.days} days from ${s.options.start} (${s.daysWritten} written, ${s.daysReused} reused) for ` +
    `${n(s.options.creators)} creators (${n(s.creatorsAtEnd)} at the end) into ${s.out}: ${n(s.rows.total)} rows ` +
    `(${n(s.rows.creators)} creators, ${n(s.rows.videos)} videos, ${n(s.rows.intraday)} intraday; ${n(defects)} defective), ` +
    `${n(s.files)} files, ${mb} MB written in ${(s.elapsedMs / 1000).toFixed(1)} s`
  );
}

async function run(args: string[], io: CommandIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        creators: { type: 'string' },
        days: { type: 'string' },
        start: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        'defect-rate': { type: 'string' },
        overwrite: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new GeneratorError(`${(error as Error).message.replace(/\.$/, '')}: run quarry-tiktok generate --help for the options.`);
  }
  if (values.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  const str = (k: string) => values[k] as string | undefined;
  if (str('out') === undefined || str('out')?.trim() === '') throw new GeneratorError('--out is required: pass the landing folder, e.g. --out landing.');
  const summary = await generate({
    creators: integerOption('creators', str('creators')),
    days: integerOption('days', str('days')),
    start: str('start') ?? '2025-01-01',
    seed: integerOption('seed', str('seed'), 1),
    defectRate: numberOption('defect-rate', str('defect-rate'), DEFAULT_DEFECT_RATE),
    out: str('out') as string,
    overwrite: values.overwrite === true,
  });
  io.stdout(formatSummary(summary));
  return 0;
}

/** `quarry-tiktok generate`: writes a synthetic landing folder and prints a one-line summary. */
export const generateCommand: CommandDefinition = {
  summary: 'write a deterministic synthetic TikTok landing folder with its ground truth',
  usage: USAGE,
  run,
};
