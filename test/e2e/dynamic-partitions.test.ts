// End-to-end: `quarry partitions add|remove NAME KEY…` on a project partitioned by dynamic partitions
// (issue 11, point 9): added keys are missing partitions for status and plan, removed keys leave the
// partition set but their versions stay in the history, and bad keys are one-line errors naming them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readCatalogSnapshot } from './catalog-snapshot.ts';
import { createE2eProject, describeResult, parseJson, type CliResult, type E2eProject } from './e2e-project.ts';

const CONFIG = `import { defineAsset, defineProject, dynamicPartitions } from '@quarry/core';
import { z } from 'zod';

const shops = dynamicPartitions({ name: 'shops' });

export const sales = defineAsset({
  key: 'raw/shop_sales',
  partitions: shops,
  schema: z.object({ shop: z.string(), amount: z.number() }),
  compute: (ctx) => [{ shop: ctx.partition.firstKey, amount: ctx.partition.firstKey.length }],
});

export default defineProject({ name: 'shops', assets: [sales] });
`;

interface StatusJson {
  assets: { assetKey: string; total: number; counts: { fresh: number; missing: number } }[];
}

function assertOk(result: CliResult): void {
  assert.equal(result.code, 0, describeResult(result));
}

function assertOneLineError(result: CliResult, ...parts: string[]): void {
  assert.equal(result.code, 1, describeResult(result));
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line of error:\n${result.stderr}`);
  for (const part of parts) assert.ok(lines[0]!.includes(part), `${JSON.stringify(part)} in ${lines[0]}`);
}

async function status(project: E2eProject): Promise<{ total: number; fresh: number; missing: number }> {
  const result = await project.quarry(['status', '--json']);
  assertOk(result);
  const [asset] = parseJson<StatusJson>(result).assets;
  return { total: asset!.total, fresh: asset!.counts.fresh, missing: asset!.counts.missing };
}

async function plannedPartitions(project: E2eProject): Promise<string[]> {
  const result = await project.quarry(['plan', '--json']);
  assertOk(result);
  return parseJson<{ steps: { partition: string }[] }>(result).steps.map((s) => s.partition).sort();
}

describe('quarry partitions add|remove on dynamic partitions', () => {
  let project: E2eProject;
  before(() => {
    project = createE2eProject('dynamic-partitions');
    project.writeFile('quarry.config.ts', CONFIG);
  });
  after(() => project.cleanup());

  test('added keys are missing partitions; removed ones leave status and plan but keep their history', async () => {
    assert.deepEqual(await status(project), { total: 0, fresh: 0, missing: 0 });

    const added = await project.quarry(['partitions', 'add', 'shops', 'north', 'south']);
    assertOk(added);
    assert.match(added.stdout, /^Added 2 keys to "shops": "north", "south"$/m);
    assert.match(added.stdout, /^"shops" now has 2 keys \(partitions of raw\/shop_sales\)$/m);
    assert.deepEqual(await status(project), { total: 2, fresh: 0, missing: 2 });
    assert.deepEqual(await plannedPartitions(project), ['north', 'south']);

    assertOk(await project.quarry(['materialize']));
    assert.deepEqual(await status(project), { total: 2, fresh: 2, missing: 0 });

    const again = await project.quarry(['partitions', 'add', 'shops', 'south', 'east', '--json']);
    assertOk(again);
    const change = parseJson<{ added: string[]; alreadyPresent: string[]; keys: string[] }>(again);
    assert.deepEqual([change.added, change.alreadyPresent, change.keys], [['east'], ['south'], ['north', 'south', 'east']]);
    assert.deepEqual(await status(project), { total: 3, fresh: 2, missing: 1 });
    assert.deepEqual(await plannedPartitions(project), ['east']);

    const removed = await project.quarry(['partitions', 'remove', 'shops', 'north']);
    assertOk(removed);
    assert.match(removed.stdout, /^Removed 1 key from "shops": "north"$/m);
    assert.match(removed.stdout, /"north" had been materialized \(raw\/shop_sales\): its versions stay in the history; the partition no longer exists\./);
    assert.deepEqual(await status(project), { total: 2, fresh: 1, missing: 1 });
    const listed = await project.quarry(['partitions', 'raw/shop_sales', '--json']);
    assertOk(listed);
    assert.deepEqual(parseJson<{ keys: string[] }>(listed).keys, ['south', 'east']);
    const history = readCatalogSnapshot(project.catalogPath).materializations.map((m) => m.partition).sort();
    assert.deepEqual(history, ['north', 'south'], 'the removed partition keeps its version in the history');
  });

  test('bad keys and names are one-line errors naming the value, and change nothing', async () => {
    assertOneLineError(await project.quarry(['partitions', 'add', 'shops', 'west', 'west']), '"west"', 'twice', 'QUARRY_BAD_PARTITION_KEY');
    assertOneLineError(await project.quarry(['partitions', 'add', 'shops', 'ok', '']), 'empty key', 'QUARRY_BAD_PARTITION_KEY');
    assertOneLineError(await project.quarry(['partitions', 'add', 'shops', 'tab\there']), '"tab\\there"', 'control character', 'QUARRY_BAD_PARTITION_KEY');
    assertOneLineError(await project.quarry(['partitions', 'add', 'shops', 'x'.repeat(201)]), '201 characters', 'QUARRY_BAD_PARTITION_KEY');
    assertOneLineError(await project.quarry(['partitions', 'remove', 'shops', 'nowhere']), '"nowhere"', 'Nothing was changed', 'QUARRY_BAD_PARTITION_KEY');
    assertOneLineError(await project.quarry(['partitions', 'add', 'stores', 'a']), '"stores"', '"shops"', 'QUARRY_UNKNOWN_DYNAMIC_PARTITIONS');
    assertOneLineError(await project.quarry(['partitions', 'add', 'shops']), 'at least one key', 'QUARRY_BAD_ARGUMENT');
    const listed = await project.quarry(['partitions', 'raw/shop_sales', '--json']);
    assertOk(listed);
    assert.ok(!parseJson<{ keys: string[] }>(listed).keys.includes('west'), 'a rejected add added nothing');
  });
});
