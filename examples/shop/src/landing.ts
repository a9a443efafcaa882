// The shop's landing folder: what its order system exports, and a deterministic generator of it.
//
//   landing/orders/<yyyy-MM-dd>/<HH>.csv   one file per UTC hour: the orders placed in that hour
//   landing/merchants.csv                  every merchant the shop has signed, with its home region
//   landing/regions.csv                    the regions the shop sells in
//
// The generator is seeded: the same hour always gets the same orders, so generating overlapping
// ranges twice writes identical files, and tests can compare Quarry's tables with a reference.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One region the shop sells in. */
export interface Region {
  readonly region: string;
  readonly name: string;
  readonly currency: string;
}

/** One merchant on the shop; its id starts with its home region (`na-acme` sells from `na`). */
export interface Merchant {
  readonly merchantId: string;
  readonly name: string;
  readonly region: string;
  /** The first day (UTC) on which the merchant has orders. */
  readonly since: string;
}

/** The regions of the shop: the keys of the `regions` static partitions. */
export const REGIONS: readonly Region[] = Object.freeze([
  { region: 'na', name: 'North America', currency: 'USD' },
  { region: 'eu', name: 'Europe', currency: 'EUR' },
  { region: 'apac', name: 'Asia-Pacific', currency: 'SGD' },
]);

/** The merchants of the shop. `na-delta` joins in October 2026: it is the one the tutorial adds. */
export const MERCHANTS: readonly Merchant[] = Object.freeze([
  { merchantId: 'na-acme', name: 'Acme Outfitters', region: 'na', since: '2026-01-01' },
  { merchantId: 'eu-bolt', name: 'Bolt Bikes', region: 'eu', since: '2026-01-01' },
  { merchantId: 'apac-cobalt', name: 'Cobalt Tea', region: 'apac', since: '2026-01-01' },
  { merchantId: 'na-delta', name: 'Delta Kitchen', region: 'na', since: '2026-10-15' },
]);

/** The columns of an hourly orders file, in order. */
export const ORDER_COLUMNS = ['order_id', 'merchant_id', 'region', 'customer_id', 'amount', 'status', 'ordered_at'] as const;

/** The landing folder of a project: `$SHOP_LANDING` when set, else `landing/` in the project directory. */
export function landingDirOf(projectDir: string): string {
  const configured = process.env.SHOP_LANDING;
  return configured !== undefined && configured !== '' ? configured : join(projectDir, 'landing');
}

/**
 * The landing file of one hourly partition key (`2026-03-08-05:00` → `orders/2026-03-08/05.csv`).
 *
 * ```ts
 * ordersFileOf('/data/landing', '2026-03-08-05:00'); // '/data/landing/orders/2026-03-08/05.csv'
 * ```
 */
export function ordersFileOf(landingDir: string, hourKey: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})-(\d{2}):00$/.exec(hourKey);
  if (match === null) throw new Error(`"${hourKey}" is not an hourly partition key such as 2026-03-08-05:00.`);
  return join(landingDir, 'orders', match[1]!, `${match[2]}.csv`);
}

/** A short content hash of a landing file, or `undefined` when it is missing (the source's data version). */
export function landingFileVersion(path: string): string | undefined {
  return existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16) : undefined;
}

/** A small seeded random generator (mulberry32) so every hour gets the same orders on every machine. */
function randomOf(seed: string): () => number {
  let state = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * The CSV text of the orders placed in the UTC hour starting at `hourStart`: 1 to 4 orders over
 * the merchants active that day, a cancelled order now and then, and now and then an order the
 * exporter wrote twice (the cleaning step removes both).
 */
export function ordersCsvOfHour(hourStart: Date, seed = 'shop-v1'): string {
  const day = hourStart.toISOString().slice(0, 10);
  const hour = hourStart.getUTCHours();
  const random = randomOf(`${seed}|${hourStart.toISOString()}`);
  const merchants = MERCHANTS.filter((m) => m.since <= day);
  const count = 1 + Math.floor(random() * 4);
  const lines: string[] = [ORDER_COLUMNS.join(',')];
  for (let i = 0; i < count; i++) {
    const merchant = merchants[Math.floor(random() * merchants.length)]!;
    // Most orders ship within the merchant's region; a quarter go abroad.
    const region = random() < 0.75 ? merchant.region : REGIONS[Math.floor(random() * REGIONS.length)]!.region;
    const customer = `c${pad(1 + Math.floor(random() * 40), 3)}`;
    const cents = 500 + Math.floor(random() * 24_500);
    // The first order of an hour is always paid, so every hour has revenue (the tutorial counts hours).
    const status = i > 0 && random() < 0.15 ? 'cancelled' : 'paid';
    const minute = Math.floor((i * 60) / count + random() * (60 / count));
    const second = Math.floor(random() * 60);
    const orderId = `o-${day.replaceAll('-', '')}${pad(hour)}-${i + 1}`;
    const orderedAt = `${day}T${pad(hour)}:${pad(minute)}:${pad(second)}Z`;
    lines.push([orderId, merchant.merchantId, region, customer, (cents / 100).toFixed(2), status, orderedAt].join(','));
  }
  if (random() < 0.15) lines.push(lines[lines.length - 1]!);
  return `${lines.join('\n')}\n`;
}

/** The UTC instant of local midnight starting `day` (yyyy-MM-dd) in `timeZone`. */
export function midnightIn(day: string, timeZone: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const hourFormat = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', minute: 'numeric', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit' });
  // Local midnight lies between 14 hours before and 12 hours after UTC midnight: step by hours.
  for (let offset = -14; offset <= 12; offset++) {
    const t = new Date(Date.UTC(y, m - 1, d) - offset * 3_600_000);
    const parts = Object.fromEntries(hourFormat.formatToParts(t).map((p) => [p.type, p.value]));
    if (`${parts.year}-${parts.month}-${parts.day}` === day && Number(parts.hour) === 0 && Number(parts.minute) === 0) return t;
  }
  throw new Error(`${day} has no local midnight in ${timeZone}.`);
}

/** What `generateLanding` wrote. */
export interface GeneratedLanding {
  readonly landingDir: string;
  /** The first and last UTC hour written, as hourly partition keys. */
  readonly firstHour: string;
  readonly lastHour: string;
  readonly hourFiles: number;
}

/**
 * Writes the landing files of the New York days `from`..`to` (inclusive): every UTC hour that
 * overlaps them, plus `merchants.csv` and `regions.csv`. Deterministic for a given seed.
 *
 * ```ts
 * generateLanding({ landingDir: 'landing', from: '2026-03-06', to: '2026-03-10' }); // 119 hour files
 * ```
 */
export function generateLanding(options: { landingDir: string; from: string; to: string; seed?: string }): GeneratedLanding {
  const { landingDir, from, to } = options;
  for (const [name, value] of [['from', from], ['to', to]] as const) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
      throw new Error(`--${name} must be a day such as 2026-03-06, got "${value}".`);
    }
  }
  if (to < from) throw new Error(`--to ${to} is before --from ${from}.`);
  const start = midnightIn(from, 'America/New_York');
  const dayAfter = new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const end = midnightIn(dayAfter, 'America/New_York');
  let hourFiles = 0;
  for (let t = start.getTime(); t < end.getTime(); t += 3_600_000) {
    const hourStart = new Date(t);
    const key = `${hourStart.toISOString().slice(0, 10)}-${pad(hourStart.getUTCHours())}:00`;
    const file = ordersFileOf(landingDir, key);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, ordersCsvOfHour(hourStart, options.seed));
    hourFiles++;
  }
  writeFileSync(
    join(landingDir, 'merchants.csv'),
    ['merchant_id,name,region,since', ...MERCHANTS.map((m) => [m.merchantId, m.name, m.region, m.since].join(','))].join('\n') + '\n',
  );
  writeFileSync(join(landingDir, 'regions.csv'), ['region,name,currency', ...REGIONS.map((r) => [r.region, r.name, r.currency].join(','))].join('\n') + '\n');
  const keyOf = (d: Date) => `${d.toISOString().slice(0, 10)}-${pad(d.getUTCHours())}:00`;
  return { landingDir, firstHour: keyOf(start), lastHour: keyOf(new Date(end.getTime() - 3_600_000)), hourFiles };
}
