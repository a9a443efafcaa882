const numberFormat = new Intl.NumberFormat('en-US');

/** A whole number with thousands separators (`1,000,000`). */
export function formatCount(value: number): string {
  return numberFormat.format(Math.round(value));
}

/** A byte size in B / KB / MB / GB. */
export function formatBytes(value: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = value;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/** A duration in ms as `850 ms`, `12.3 s`, `4 m 05 s` or `2 h 03 m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} m`;
}

/** A time as `2026-01-05 14:03:07` in the browser's zone. */
export function formatTime(value: unknown): string {
  const ms = toMillis(value);
  if (ms === undefined) return '—';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A clock time with milliseconds (`14:03:07.125`), for log lines. */
export function formatClock(value: unknown): string {
  const ms = toMillis(value);
  if (ms === undefined) return '';
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Epoch milliseconds of a number (ms) or an ISO string; undefined otherwise. */
export function toMillis(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value !== '') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** The first of `names` that `record` has as a non-empty value. */
export function pick(record: Readonly<Record<string, unknown>>, ...names: string[]): unknown {
  for (const name of names) {
    const value = record[name];
    if (value !== undefined && value !== null && value !== '') return value;
  }
  return undefined;
}

/** A partition list as a short phrase: `2026-01-01`, `2026-01-01 … 2026-01-03 (3)`. */
export function describePartitions(keys: readonly string[]): string {
  if (keys.length === 0) return '—';
  if (keys.length === 1) return keys[0] === '' ? 'unpartitioned' : keys[0]!;
  return `${keys[0]} … ${keys[keys.length - 1]} (${formatCount(keys.length)})`;
}
