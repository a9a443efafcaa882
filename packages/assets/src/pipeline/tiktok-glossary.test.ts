import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineProject, schemaColumns } from '@quarry/core';
import { TIKTOK_COLUMN_TERMS, TIKTOK_GLOSSARY } from './tiktok-glossary.ts';
import { defineTikTokPipeline } from './tiktok-pipeline.ts';

const pipeline = defineTikTokPipeline({ landingDir: '/nonexistent-landing', start: '2026-01-01', end: '2026-01-03' });

test('every TikTok asset has a description and owners, and its key columns their glossary terms', () => {
  for (const asset of pipeline.assets) {
    assert.ok((asset.description ?? '').length > 20, `${asset.key} has a description`);
    assert.ok(asset.owners.length > 0, `${asset.key} has owners`);
    const columns = schemaColumns(asset.schema!).map((c) => c.name);
    for (const column of Object.keys(TIKTOK_COLUMN_TERMS[asset.key] ?? {})) {
      assert.ok(columns.includes(column), `${asset.key}.${column} is a column of its schema`);
      assert.equal(asset.columns[column]?.term, TIKTOK_COLUMN_TERMS[asset.key]![column], `${asset.key}.${column} has its term`);
    }
  }
  const metrics = pipeline.creatorDailyMetrics.columns;
  assert.equal(metrics.followers?.term, TIKTOK_GLOSSARY.follower_count);
  assert.equal(metrics.engagement_rate?.term, TIKTOK_GLOSSARY.engagement_rate);
  assert.equal(metrics.followers?.description, 'Followers at the end of the day', 'the column keeps its own definition');
  assert.deepEqual(pipeline.creatorDailyMetrics.owners, ['team:creator-analytics']);
  assert.deepEqual(pipeline.creatorChanges.owners, ['team:data-platform']);
  assert.deepEqual(defineTikTokPipeline({ landingDir: '/x', start: '2026-01-01', end: '2026-01-02', owners: ['me'] }).videos.owners, ['me']);
});

test('a project of the TikTok assets carries the whole glossary, every term used by some column', () => {
  const project = defineProject({ name: 'tiktok', assets: pipeline.assets });
  assert.deepEqual(Object.keys(project.glossary).sort(), Object.keys(TIKTOK_GLOSSARY).sort());
  for (const term of Object.values(TIKTOK_GLOSSARY)) assert.ok(term.definition.length > 20, term.key);
});
