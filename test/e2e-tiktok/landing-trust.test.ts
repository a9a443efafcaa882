// Landing files the pipeline must not trust blindly (issue "Trust", points 11–14): a file rewritten
// with the same size and mtime, invalid UTF-8, a 50 MB field, bad intraday rows and an empty export.
// Each test edits one landing file of a generated landing and checks what a user would see.
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, readdirSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TikTokFixture, sqlString } from './tiktok-fixture.ts';

/** Non-empty lines of a landing file (what accepted + quarantined must add up to). */
function inputLines(path: string, skipHeader = false): number {
  const lines = readFileSync(path).toString('latin1').split('\n').map((l) => l.replace(/\r$/, ''));
  return lines.filter((l, i) => l !== '' && !(skipHeader && i === 0)).length;
}

describe('TikTok landing files the pipeline does not trust blindly', () => {
  let f: TikTokFixture;
  before(async () => {
    f = await TikTokFixture.create('e2e-tiktok-landing-trust', { creators: 120, days: 4, start: '2026-04-01', seed: 3, defectRate: 0 });
    await f.run();
  });
  after(async () => {
    await f?.close();
  });

  /** accepted and quarantined rows of one landing file on one day. */
  async function counts(accepted: string, quarantine: string, day: string, file: string): Promise<{ accepted: number; quarantined: number }> {
    const [row] = await f.rows(
      `SELECT (SELECT count(*) FROM ${accepted} WHERE day = DATE '${day}' AND _source_file = ${sqlString(file)})::INTEGER AS accepted,
              (SELECT count(*) FROM ${quarantine} WHERE day = DATE '${day}' AND _source_file = ${sqlString(file)})::INTEGER AS quarantined`,
    );
    return { accepted: Number(row!.accepted), quarantined: Number(row!.quarantined) };
  }

  it('re-ingests a creators file rewritten with the same size and mtime (point 12)', async () => {
    const day = f.days[1]!;
    const path = join(f.landingDir, day, 'creators.ndjson');
    // Whole seconds, so setting the mtime back is exact; the plan records the file under that mtime.
    const stamp = Math.floor(statSync(path).mtimeMs / 1000) - 3600;
    utimesSync(path, stamp, stamp);
    assert.deepEqual((await f.instance.plan()).steps, [], 'an mtime change alone changes no content');
    const before = statSync(path);
    const lines = readFileSync(path, 'utf8').split('\n');
    const first = JSON.parse(lines[0]!) as { creator_id: string; followers: number };
    // One digit of followers changes: same length, same size.
    const text = String(first.followers);
    const changed = Number(text.slice(0, -1) + String((Number(text.at(-1)) + 1) % 10));
    lines[0] = lines[0]!.replace(`"followers":${first.followers},`, `"followers":${changed},`);
    writeFileSync(path, lines.join('\n'));
    utimesSync(path, stamp, stamp);
    assert.equal(statSync(path).size, before.size);
    assert.equal(statSync(path).mtimeMs, before.mtimeMs);
    const steps = (await f.instance.plan()).steps.map((s) => `${s.assetKey} [${s.partitionKeys.join(',')}] ${s.reason.cause}`);
    assert.ok(steps.includes(`raw/creator_changes [${day}] source_changed`), steps.join('\n'));
    await f.run();
    const [row] = await f.rows(`SELECT followers FROM raw__creator_changes WHERE day = DATE '${day}' AND _source_line = 1`);
    assert.equal(Number(row!.followers), changed);
  });

  it('quarantines a line with an invalid UTF-8 byte as invalid_encoding, with file and line, and keeps the rest (point 13)', async () => {
    const day = f.days[1]!;
    // A creator that existed on day 0, so rejecting its day-1 row leaves its videos' creator known.
    const known = new Set(readFileSync(join(f.landingDir, f.days[0]!, 'creators.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { creator_id: string }).creator_id));
    const creatorLine =
      readFileSync(join(f.landingDir, day, 'creators.ndjson'), 'utf8')
        .split('\n')
        .findIndex((l, i) => i > 0 && l !== '' && known.has((JSON.parse(l) as { creator_id: string }).creator_id)) + 1;
    assert.ok(creatorLine > 1);
    const targets = [
      { name: 'creators.ndjson', accepted: 'raw__creator_changes', quarantine: 'quality__creator_quarantine', line: creatorLine, header: false },
      { name: 'videos.csv', accepted: 'raw__video_changes', quarantine: 'quality__video_quarantine', line: 3, header: true },
    ];
    for (const { name, line } of targets) {
      const path = join(f.landingDir, day, name);
      const bytes = readFileSync(path);
      const lines: Buffer[] = [];
      for (let start = 0, nl = bytes.indexOf(10); start <= bytes.length; nl = bytes.indexOf(10, start)) {
        lines.push(bytes.subarray(start, nl < 0 ? bytes.length : nl));
        if (nl < 0) break;
        start = nl + 1;
      }
      // A Latin-1 "é" (0xE9) in the middle of the line: not valid UTF-8.
      const target = lines[line - 1]!;
      lines[line - 1] = Buffer.concat([target.subarray(0, 12), Buffer.from([0xe9]), target.subarray(12)]);
      writeFileSync(path, Buffer.concat(lines.flatMap((l, i) => (i === 0 ? [l] : [Buffer.from('\n'), l]))));
    }
    await f.run();
    for (const { name, accepted, quarantine, line, header } of targets) {
      const file = `${day}/${name}`;
      const rows = await f.rows(`SELECT _source_line, reason_code, reason FROM ${quarantine} WHERE day = DATE '${day}' ORDER BY _source_line`);
      assert.deepEqual(
        rows.map((r) => `${r._source_line} ${r.reason_code}`),
        [`${line} invalid_encoding`],
        `${name}: only the bad line is quarantined`,
      );
      assert.match(String(rows[0]!.reason), /not valid UTF-8 \(first invalid byte at offset 12\)/);
      const c = await counts(accepted, quarantine, day, file);
      assert.equal(c.accepted + c.quarantined, inputLines(join(f.landingDir, day, name), header), `${name}: accepted + quarantined = input lines`);
    }
    // Later days of the snapshot chain are built.
    const [later] = await f.rows(`SELECT count(*)::INTEGER AS n FROM core__creator_snapshots WHERE day = DATE '${f.days[3]!}'`);
    assert.ok(Number(later!.n) > 0);
  });

  it('quarantines a 50 MB field as oversized_field without buffering it, and keeps the rest (point 14)', async () => {
    const day = f.days[2]!;
    const path = join(f.landingDir, day, 'creators.ndjson');
    const template = JSON.parse(readFileSync(path, 'utf8').split('\n')[0]!) as Record<string, unknown>;
    const huge = 'x'.repeat(50 * 1024 * 1024);
    const original = readFileSync(path, 'utf8').replace(/\n?$/, '\n');
    // Line n+1: a 50 MB display_name; line n+2: a 100 KiB one (within the line cap, over the field cap).
    writeFileSync(path, original);
    appendFileSync(path, `${JSON.stringify({ ...template, display_name: huge })}\n`);
    appendFileSync(path, `${JSON.stringify({ ...template, display_name: 'y'.repeat(100 * 1024) })}\n`);
    const base = original.split('\n').filter((l) => l !== '').length;
    const peakBefore = process.resourceUsage().maxRSS;
    await f.run();
    const growthMiB = (process.resourceUsage().maxRSS - peakBefore) / 1024;
    const rows = await f.rows(`SELECT _source_line, reason_code, reason, length(raw_line) AS raw_length FROM quality__creator_quarantine WHERE day = DATE '${day}' ORDER BY _source_line`);
    assert.deepEqual(
      rows.map((r) => `${r._source_line} ${r.reason_code}`),
      [`${base + 1} oversized_field`, `${base + 2} oversized_field`],
    );
    assert.match(String(rows[0]!.reason), /line is 50\.0 MiB, over the line limit of 1\.0 MiB/);
    assert.match(String(rows[1]!.reason), /display_name is 102400 bytes, over the 65536-byte field limit/);
    assert.ok(Number(rows[0]!.raw_length) <= 1001, 'the quarantined raw line is an excerpt');
    const c = await counts('raw__creator_changes', 'quality__creator_quarantine', day, `${day}/creators.ndjson`);
    assert.equal(c.accepted, base);
    assert.equal(c.accepted + c.quarantined, inputLines(path));
    assert.ok(growthMiB < 300, `peak RSS grew by ${growthMiB.toFixed(0)} MiB reading a 50 MB line`);
  });

  it('validates intraday files like the daily ones: bad rows go to quality/intraday_quarantine (point 14)', async () => {
    const day = f.days[3]!;
    const dir = join(f.landingDir, day, 'intraday');
    const quarters = () => readdirSync(dir).filter((n) => /^\d{2}-\d{2}\.ndjson$/.test(n));
    const file = quarters().filter((n) => readFileSync(join(dir, n), 'utf8').trim() !== '').sort()[0]!;
    const path = join(dir, file);
    const good = readFileSync(path, 'utf8').replace(/\n?$/, '\n');
    const record = JSON.parse(good.split('\n')[0]!) as Record<string, unknown>;
    const base = good.split('\n').filter((l) => l !== '').length;
    writeFileSync(
      path,
      good +
        [
          JSON.stringify({ ...record, followers: 'lots' }),
          JSON.stringify({ ...record, creator_id: null }),
          JSON.stringify({ ...record, ts: '2026-04-04 10:00' }),
        ].join('\n') + '\n',
    );
    await f.run();
    const source = `${day}/intraday/${file}`;
    const rows = await f.rows(`SELECT _source_file, _source_line, reason_code FROM quality__intraday_quarantine WHERE day = DATE '${day}' ORDER BY _source_line`);
    assert.deepEqual(
      rows.map((r) => `${r._source_file}:${r._source_line} ${r.reason_code}`),
      [`${source}:${base + 1} wrong_type`, `${source}:${base + 2} missing_required`, `${source}:${base + 3} malformed_timestamp`],
    );
    // raw/priority_creator_intraday has no day column: its rows of a file are those with its _source_file.
    const [accepted] = await f.rows(`SELECT count(*)::INTEGER AS n FROM raw__priority_creator_intraday WHERE _source_file = ${sqlString(source)}`);
    assert.equal(Number(accepted!.n) + rows.length, inputLines(path));
    // Every intraday line of the day is accounted for.
    const total = quarters().reduce((n, name) => n + inputLines(join(dir, name)), 0);
    const [all] = await f.rows(
      `SELECT (SELECT count(*) FROM raw__priority_creator_intraday WHERE _source_file LIKE ${sqlString(`${day}/%`)})::INTEGER
            + (SELECT count(*) FROM quality__intraday_quarantine WHERE day = DATE '${day}')::INTEGER AS n`,
    );
    assert.equal(Number(all!.n), total);
  });

  it('fails the completeness check on an empty creators.ndjson: the day is not published and its score drops (point 11)', async () => {
    const day = f.days[3]!;
    const path = join(f.landingDir, day, 'creators.ndjson');
    const publishedBefore = f.instance.materializations('raw/creator_changes', { partition: day }).find((m) => m.current)?.dataVersion;
    truncateSync(path, 0);
    const { runId } = await f.instance.startRun({ concurrency: 2 });
    const record = await f.instance.waitForRun(runId);
    // Every step of the run is the empty day or built on it (the quarantine reads the raw asset's accepted lines): none succeeds.
    assert.equal(record.status, 'failed');
    const steps = f.instance.listSteps(runId);
    assert.equal(steps.find((s) => s.assetKey === 'quality/creator_quarantine')?.status, 'skipped');
    const raw = steps.find((s) => s.assetKey === 'raw/creator_changes')!;
    assert.equal(raw.status, 'failed');
    assert.equal(raw.reason, 'blocked_by_check');
    assert.match(raw.error ?? '', /landing_not_empty/);
    // Nothing built on the empty day ran.
    assert.equal(steps.find((s) => s.assetKey === 'core/creator_snapshots')?.status, 'skipped');
    // The previous (non-empty) version stays the published one.
    assert.equal(f.instance.materializations('raw/creator_changes', { partition: day }).find((m) => m.current)?.dataVersion, publishedBefore);
    const check = f.instance.checkResults('raw/creator_changes', { partition: day }).find((r) => r.checkName === 'landing_not_empty')!;
    assert.equal(check.passed, false);
    assert.equal(check.severity, 'error');
    const [score] = f.instance.qualityScores('raw/creator_changes', { partition: day });
    assert.ok(score && score.score !== null && score.score < 100, `score ${score?.score}`);
    assert.ok(score.dimensions.completeness.score !== null && score.dimensions.completeness.score < 100, `completeness ${score.dimensions.completeness.score}`);
  });
});
