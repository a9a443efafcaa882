import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One order as the hello example's shop exports it. */
export interface OrderRow {
  order_id: string;
  customer_id: string;
  amount: number;
  status: string;
  ordered_at: string;
}

/**
 * The orders of one day: `data/orders/<day>.csv` when that file exists (so tests can change a day's
 * source data), otherwise 20 orders generated deterministically from the date.
 */
export function ordersOfDay(projectDir: string, day: string): OrderRow[] {
  const file = join(projectDir, 'data', 'orders', `${day}.csv`);
  if (existsSync(file)) {
    const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
    const names = header!.split(',');
    return lines.map((line) => {
      const cells = line.split(',');
      const row = Object.fromEntries(names.map((n, i) => [n, cells[i] ?? '']));
      return { order_id: row.order_id!, customer_id: row.customer_id!, amount: Number(row.amount), status: row.status!, ordered_at: row.ordered_at! };
    });
  }
  const seed = createHash('sha256').update(day).digest();
  return Array.from({ length: 20 }, (_, i) => {
    const b = seed[i % seed.length]!;
    return {
      order_id: `${day}-${String(i).padStart(3, '0')}`,
      customer_id: `cust_${(b * 7 + i) % 50}`,
      amount: Math.round(((b % 90) + 10 + i) * 100) / 100,
      status: i % 10 === 9 ? 'cancelled' : 'paid',
      ordered_at: `${day}T${String(8 + (i % 12)).padStart(2, '0')}:${String((b + i) % 60).padStart(2, '0')}:00Z`,
    };
  });
}

/** The version of a day's source data: the file's hash when it exists, else the generator's version. */
export function ordersSourceVersion(projectDir: string, day: string): string {
  const file = join(projectDir, 'data', 'orders', `${day}.csv`);
  return existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16) : 'generated-v1';
}
