/** The length of a time window: 15 minutes, an hour, a day, a week or a calendar month. */
export type TimeGrain = '15min' | 'hourly' | 'daily' | 'weekly' | 'monthly';

/** Every time grain, finest first. */
export const TIME_GRAINS: readonly TimeGrain[] = Object.freeze(['15min', 'hourly', 'daily', 'weekly', 'monthly']);

/**
 * The default key format of each grain, as in Dagster: windows are named by the local wall-clock
 * time they start at, so a week is named by its first day and a month by its first day too.
 */
export const DEFAULT_TIME_KEY_FORMATS: Readonly<Record<TimeGrain, string>> = Object.freeze({
  '15min': 'yyyy-MM-dd-HH:mm',
  hourly: 'yyyy-MM-dd-HH:mm',
  daily: 'yyyy-MM-dd',
  weekly: 'yyyy-MM-dd',
  monthly: 'yyyy-MM-dd',
});

/** The fixed length (ms) of a sub-daily grain's windows, or undefined for calendar grains. */
export function subDailyPeriod(grain: TimeGrain): number | undefined {
  return grain === '15min' ? 900_000 : grain === 'hourly' ? 3_600_000 : undefined;
}
