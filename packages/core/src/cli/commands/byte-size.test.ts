import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isQuarryError } from '../../errors.ts';
import { parseByteSize } from './materialize-command.ts';

test('--max-bytes-billed takes byte counts with decimal and binary units', () => {
  assert.equal(parseByteSize('1000', '--max-bytes-billed'), 1000);
  assert.equal(parseByteSize('500MB', '--max-bytes-billed'), 500_000_000);
  assert.equal(parseByteSize('50gb', '--max-bytes-billed'), 50_000_000_000);
  assert.equal(parseByteSize('1.5TiB', '--max-bytes-billed'), 1.5 * 2 ** 40);
  assert.equal(parseByteSize('0', '--max-bytes-billed'), 0);
  for (const bad of ['', '-1', '50 GBs', 'ten', '1e3']) {
    assert.throws(
      () => parseByteSize(bad, '--max-bytes-billed'),
      (error: unknown) => isQuarryError(error, 'QUARRY_BAD_ARGUMENT') && error.message.includes(`got "${bad}"`) && error.message.includes('50GB'),
    );
  }
});
