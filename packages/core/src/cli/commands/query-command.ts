import { QuarryError } from '../../errors.ts';
import { formatTable, writeLine } from '../cli-io.ts';
import { flag, stringOption, type Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';

/**
 * `quarry query "SQL" [--as-of TIMESTAMP] [--unmask] [--json]`: one read-only SELECT over every asset as a
 * view (`raw/orders` → `raw__orders`); PII columns read masked unless `--unmask`.
 */
export const queryCommand: Command = {
  name: 'query',
  usage: 'quarry query "SQL" [--as-of TIMESTAMP] [--limit N] [--unmask] [--json]',
  summary: 'run one read-only SELECT over the assets (each a view: raw/orders → raw__orders), now or as of a time; PII is masked',
  options: {
    'as-of': { type: 'string', help: 'read the versions current at this time (ISO-8601)' },
    limit: { type: 'string', help: 'print at most N rows', default: '1000' },
    unmask: { type: 'boolean', help: 'show the values of PII columns (declared or propagated) instead of masking them' },
    json: { type: 'boolean', help: 'print JSON: { columns, rows }' },
  },
  maxPositionals: 1,
  async run(args, io) {
    const sql = args.positionals[0];
    if (sql === undefined || sql.trim() === '') throw new QuarryError('QUARRY_BAD_ARGUMENT', 'quarry query needs SQL: quarry query "select count(*) from raw__orders".');
    const asOf = stringOption(args, 'as-of');
    const limitText = stringOption(args, 'limit') ?? '1000';
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1) throw new QuarryError('QUARRY_BAD_ARGUMENT', `--limit must be a whole number ≥ 1, got "${limitText}".`);
    if (asOf !== undefined && Number.isNaN(Date.parse(asOf))) {
      throw new QuarryError('QUARRY_BAD_AS_OF', `--as-of "${asOf}" is not a timestamp: use ISO-8601 such as 2026-01-15T12:00:00Z.`);
    }
    const instance = await openCliInstance(args, io);
    try {
      const result = await instance.query(sql, { ...(asOf !== undefined ? { asOf } : {}), maxRows: limit, maskPii: !flag(args, 'unmask') });
      if (flag(args, 'json')) {
        writeLine(io.stdout, JSON.stringify({ columns: result.columns, rows: result.rows, truncated: result.truncated }));
        return 0;
      }
      const names = result.columns.map((c) => c.name);
      const cell = (v: unknown) => (v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v));
      writeLine(io.stdout, formatTable(names, result.rows.map((r) => names.map((n) => cell(r[n])))));
      writeLine(io.stdout, `${result.rows.length} row${result.rows.length === 1 ? '' : 's'}${result.truncated ? ` (cut at ${limit})` : ''}`);
      return 0;
    } finally {
      await instance.close();
    }
  },
};
