import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createManualClock } from './manual-clock.ts';

test('with autoAdvance, sleeps move time at once and are recorded', async () => {
  const clock = createManualClock({ start: 1_000 });
  await clock.sleep(60_000);
  await clock.sleep(5);
  assert.equal(clock.now(), 61_005);
  assert.deepEqual(clock.sleeps, [60_000, 5]);
});

test('without autoAdvance, advance resolves due sleeps in due order; abort rejects', async () => {
  const clock = createManualClock({ autoAdvance: false });
  const order: string[] = [];
  const long = clock.sleep(300).then(() => order.push('long'));
  const short = clock.sleep(100).then(() => order.push('short'));
  const controller = new AbortController();
  const aborted = clock.sleep(50, controller.signal);
  assert.equal(clock.pendingSleeps, 3);
  controller.abort(new Error('stop'));
  await assert.rejects(aborted, /stop/);
  clock.advance(100);
  await short;
  assert.deepEqual(order, ['short']);
  assert.equal(clock.pendingSleeps, 1);
  clock.advance(500);
  await long;
  assert.deepEqual(order, ['short', 'long']);
  assert.equal(clock.now(), 600);
  await assert.rejects(clock.sleep(1, AbortSignal.abort(new Error('already'))), /already/);
});
