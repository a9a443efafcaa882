import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimestampFormatter, civilFromDays, dayKey, daysFromCivil, parseDayKey } from './calendar.ts';

describe('calendar', () => {
  it('round-trips epoch days through civil dates like Date does', () => {
    for (let day = -800_000; day < 800_000; day += 997) {
      const iso = new Date(day * 86_400_000).toISOString().slice(0, 10);
      if (iso.startsWith('-') || iso.startsWith('+')) continue;
      assert.equal(dayKey(day), iso);
      assert.equal(parseDayKey(iso), day);
      const [y, m, d] = civilFromDays(day);
      assert.equal(daysFromCivil(y, m, d), day);
    }
  });

  it('rejects keys that are not real days', () => {
    for (const key of ['2025-02-29', '2025-13-01', '2025-00-10', '2025-1-01', '20250101', '2025-04-31']) assert.equal(parseDayKey(key), undefined, key);
    assert.equal(parseDayKey('2024-02-29'), daysFromCivil(2024, 2, 29));
  });

  it('formats seconds as ISO-8601 UTC without milliseconds', () => {
    const f = new TimestampFormatter();
    for (const sec of [0, 1_735_689_599, 1_735_689_600, 1_740_000_123, 951_782_400]) {
      assert.equal(f.format(sec), new Date(sec * 1000).toISOString().replace('.000Z', 'Z'));
    }
  });
});
