import type {
  AssetDetailResponse,
  CheckListResponse,
  LineageResponse,
  MaterializationListResponse,
  PartitionFailureListResponse,
  PartitionKeysResponse,
  PartitionStalenessResponse,
  PartitionStatusResponse,
} from '../api-schemas.ts';
import { api, keySegment, query } from './api-client.ts';
import { freshnessBadge, loadAutomationExtras } from './automation-data.ts';
import { barChart } from './bar-chart.ts';
import { h, replaceChildren } from './dom-builder.ts';
import { formatBytes, formatCount, formatTime, pick } from './formatters.ts';
import { createHealthBar, type HealthBar } from './health-bar.ts';
import { mergeRanges, stateAt } from './health-bar-model.ts';
import { openLaunchDialog } from './launch-dialog.ts';
import { lineChart } from './line-chart.ts';
import { columnLineageView } from './column-lineage-view.ts';
import { card, errorBox, pill, type PageContext } from './page-context.ts';
import { routeHash, type Route } from './router.ts';

const PII_LABELS: Record<string, string> = { direct: 'PII: direct', indirect: 'PII: indirect', sensitive: 'PII: sensitive', precise_location: 'PII: precise location', government_id: 'PII: government id', date_of_birth: 'PII: date of birth', free_text: 'PII: free text', user_id: 'PII: user id' };

function text(value: unknown): string {
  if (value === undefined || value === null) return '—';
  if (typeof value === 'number') return formatCount(value);
  return String(value);
}

function shortVersion(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, 10) : '—';
}

/** The asset page: header, partition health bar, schema, materializations, checks and lineage. */
export async function assetPage(context: PageContext, route: Extract<Route, { page: 'asset' }>): Promise<void> {
  const base = `/api/assets/${keySegment(route.key)}`;
  const detail = await api.get<AssetDetailResponse>(base, context.signal);
  if (context.signal.aborted) return;
  const { asset } = detail;
  performance.mark('quarry:asset-start');

  const stateHolder = h('span', { class: 'asset-state' }, pill(detail.state));
  // Freshness (docs/automation.md) for assets that declare a policy: hidden until the overview says so.
  const freshnessHolder = h('dd', { 'data-role': 'freshness' });
  const freshnessFact = h('div', { hidden: true }, h('dt', {}, 'Freshness'), freshnessHolder);
  const showFreshness = async () => {
    const f = (await loadAutomationExtras(context.signal)).freshness.get(asset.key);
    freshnessFact.hidden = f === undefined;
    replaceChildren(freshnessHolder, ...(f === undefined ? [] : [freshnessBadge(f)]));
  };
  const launch = h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'open-launch' }, 'Materialize…');
  const header = h(
    'div',
    { class: 'asset-header' },
    h('div', { class: 'breadcrumb' }, h('a', { href: '#/' }, 'Assets'), ' / ', h('span', {}, asset.group)),
    h('div', { class: 'title-row' }, h('h1', { class: 'asset-title' }, asset.key), stateHolder, h('span', { class: 'spacer' }), h('a', { class: 'btn btn-ghost', href: routeHash({ page: 'graph', selection: `+${asset.key}+` }) }, 'Lineage graph'), launch),
    h('p', { class: 'description' }, asset.description ?? h('span', { class: 'muted' }, 'No description.')),
    h(
      'dl',
      { class: 'facts' },
      h('div', {}, h('dt', {}, 'Kind'), h('dd', {}, `${asset.kind}${asset.type === 'source' ? ' (observed source)' : ''}`)),
      ...(asset.type === 'source'
        ? [h('div', {}, h('dt', {}, 'Observed'), h('dd', { 'data-role': 'observation' }, detail.status.source?.lastObservedAt ? `observed at ${detail.status.source.lastObservedAt}, version ${detail.status.source.lastVersion ?? '—'}` : 'never observed'))]
        : []),
      freshnessFact,
      h('div', {}, h('dt', {}, 'Group'), h('dd', {}, asset.group)),
      h('div', {}, h('dt', {}, 'Owners'), h('dd', {}, asset.owners.length ? asset.owners.join(', ') : '—')),
      h('div', {}, h('dt', {}, 'Partitions'), h('dd', {}, asset.partitions ? `${asset.partitions.id.split('(')[0] || asset.partitions.kind} · ${formatCount(asset.partitions.count)}${asset.partitions.firstKey ? ` · ${asset.partitions.firstKey} → ${asset.partitions.lastKey}` : ''}` : 'unpartitioned')),
      h('div', {}, h('dt', {}, 'Tags'), h('dd', { class: 'tags' }, ...(Object.entries(asset.tags).length ? Object.entries(asset.tags).map(([k, v]) => h('span', { class: 'tag' }, v === '' ? k : `${k}=${v}`)) : ['—']))),
      h('div', {}, h('dt', {}, 'Checks'), h('dd', {}, asset.checks.length ? asset.checks.map((c) => c.name).join(', ') : '—')),
    ),
  );

  const partitionPanel = h('div', { class: 'partition-panel' });
  const healthHost = h('div', { class: 'health-host' });
  const partitionsCard = card('Partitions', healthHost, partitionPanel);
  const schemaCard = card(
    'Schema',
    asset.columns.length === 0
      ? h('p', { class: 'muted' }, 'No declared schema.')
      : h(
          'table',
          { class: 'table schema-table' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Column'), h('th', {}, 'Type'), h('th', {}, 'Description'), h('th', {}, 'Privacy'))),
          h(
            'tbody',
            {},
            ...asset.columns.map((c) =>
              h(
                'tr',
                { 'data-column': c.name },
                h('td', { class: 'mono' }, c.name),
                h('td', { class: 'mono muted' }, `${c.type}${c.nullable ? '' : ' not null'}`),
                h('td', {}, c.description ?? h('span', { class: 'muted' }, '—')),
                h('td', {}, c.pii !== 'none' ? h('span', { class: `pii pii-${c.pii}`, ...(c.piiFrom ? { title: `propagated from ${c.piiFrom.join(', ')}` } : {}) }, `${PII_LABELS[c.pii] ?? `PII: ${c.pii}`}${c.piiFrom ? ' (propagated)' : ''}`) : h('span', { class: 'muted' }, '—')),
              ),
            ),
          ),
        ),
  );
  const materializationsCard = card('Materializations', h('p', { class: 'muted' }, 'Loading…'));
  const checksCard = card('Checks and quality score', h('p', { class: 'muted' }, 'Loading…'));
  const lineageCard = card('Lineage', h('p', { class: 'muted' }, 'Loading…'));
  const columnLineageCard = card('Column lineage', h('p', { class: 'muted' }, 'Loading…'));
  context.container.appendChild(
    h('div', { class: 'page asset-page' }, header, partitionsCard, h('div', { class: 'grid-2' }, materializationsCard, checksCard), h('div', { class: 'grid-2' }, schemaCard, lineageCard), columnLineageCard),
  );

  const checkHistory = (name: string, partition?: string) => api.get<CheckListResponse>(`${base}/checks${query({ check: name, history: 'true', partition })}`, context.signal);

  let status: PartitionStatusResponse = detail.status;
  let selectedPartition = route.partition;
  // Selecting a partition changes the address (so it can be shared) without rebuilding the page,
  // which keeps the bar's zoom.
  const selectPartition = (key: string | undefined) => {
    selectedPartition = key;
    history.replaceState(null, '', routeHash({ page: 'asset', key: asset.key, partition: key }));
    void loadPartition();
  };
  const keyAt = async (index: number) => {
    const page = await api.get<PartitionKeysResponse>(`${base}/partition-keys${query({ offset: index, limit: 1 })}`);
    return page.keys[0] ?? '';
  };

  let bar: HealthBar | undefined;
  if (asset.partitions !== undefined) {
    bar = createHealthBar(status, {
      keyAt,
      onSelect: (_index, key) => selectPartition(key),
    });
    healthHost.appendChild(bar.element);
    context.onLeave(() => bar?.destroy());
  } else {
    healthHost.appendChild(h('p', { class: 'unpartitioned' }, pill(detail.state), ' ', 'This asset is not partitioned: one materialization holds all of it.'));
  }

  launch.addEventListener('click', async () => {
    let from: string | undefined;
    let to: string | undefined;
    if (bar && asset.partitions) {
      const { first, last } = bar.visibleRange();
      if (last - first + 1 < asset.partitions.count) [from, to] = await Promise.all([keyAt(first), keyAt(last)]);
      else if (selectedPartition !== undefined) from = to = selectedPartition;
    }
    openLaunchDialog(context.info, {
      selection: asset.key,
      partitioned: asset.partitions !== undefined,
      from,
      to,
      firstKey: asset.partitions?.firstKey,
      lastKey: asset.partitions?.lastKey,
    });
  });

  const loadPartition = async () => {
    if (selectedPartition === undefined || asset.partitions === undefined) {
      replaceChildren(partitionPanel, h('p', { class: 'muted' }, asset.partitions ? 'Click a partition in the bar to see its versions, checks and lineage.' : ''));
      return;
    }
    const p = selectedPartition;
    try {
      // Keys from the first up to p: their count locates p in the bar (and checks that p exists).
      const [upTo, materializations, lineage, checks, failures] = await Promise.all([
        api.get<PartitionKeysResponse>(`${base}/partition-keys${query({ to: p, limit: 1 })}`),
        api.get<MaterializationListResponse>(`${base}/materializations${query({ partition: p, limit: 20 })}`),
        api.get<LineageResponse>(`${base}/lineage${query({ partition: p })}`),
        api.get<CheckListResponse>(`${base}/checks${query({ partition: p })}`),
        api.get<PartitionFailureListResponse>(`${base}/failures${query({ partition: p })}`),
      ]);
      if (context.signal.aborted) return;
      const index = upTo.total - 1;
      const closeButton = h('button', { type: 'button', class: 'btn btn-ghost btn-small' }, 'Close');
      closeButton.addEventListener('click', () => {
        bar?.select(undefined);
        selectPartition(undefined);
      });
      bar?.select(index);
      const state = stateAt(mergeRanges(status.ranges), index) ?? 'missing';
      replaceChildren(
        partitionPanel,
        h('div', { class: 'partition-head' }, h('h3', {}, `Partition ${p}`), pill(state), closeButton),
        h(
          'div',
          { class: 'grid-3' },
          h(
            'div',
            {},
            h('h4', {}, 'Versions'),
            failures.failures[0] !== undefined ? failureNote(failures.failures[0]) : null,
            state === 'stale' ? staleNote(base, p) : null,
            materializations.materializations.length === 0
              ? h('p', { class: 'muted' }, state === 'upstream_failed' ? 'Never materialized: a run skipped it because an upstream partition it reads failed. Fix and materialize the upstream first.' : failures.failures[0] !== undefined ? 'No version yet.' : 'Never materialized.')
              : h(
                  'ul',
                  { class: 'plain-list' },
                  ...materializations.materializations.map((m, i) =>
                    h('li', {}, h('span', { class: 'mono' }, shortVersion(pick(m, 'dataVersion'))), ' ', i === 0 ? h('span', { class: 'pill pill-fresh' }, 'current') : null, h('div', { class: 'muted small' }, `${formatTime(pick(m, 'createdAt'))} · ${text(pick(m, 'rowCount'))} rows · code ${shortVersion(pick(m, 'codeVersion'))}`)),
                  ),
                ),
          ),
          h('div', {}, h('h4', {}, 'Checks'), checksList(checks, (name) => checkHistory(name, p))),
          h('div', {}, h('h4', {}, 'Lineage of this partition'), lineageLists(lineage, undefined, true)),
        ),
      );
    } catch (error) {
      replaceChildren(partitionPanel, errorBox(error));
    }
  };

  const loadHistory = async () => {
    const [materializations, checks, lineage] = await Promise.all([
      api.get<MaterializationListResponse>(`${base}/materializations${query({ limit: asset.partitions ? 1000 : 50 })}`, context.signal),
      api.get<CheckListResponse>(`${base}/checks`, context.signal),
      api.get<LineageResponse>(`${base}/lineage`, context.signal),
    ]);
    if (context.signal.aborted) return;
    const rows = materializations.materializations;
    const bars = asset.partitions ? currentVersionBars(rows) : [...rows].reverse().map((m) => ({ label: formatTime(pick(m, 'createdAt')), value: Number(pick(m, 'rowCount') ?? 0) }));
    replaceChildren(
      materializationsCard,
      h('h2', { class: 'card-title' }, 'Materializations'),
      rows.length === 0
        ? h('p', { class: 'muted', 'data-empty': 'materializations' }, 'No materializations yet. Use Materialize… to run this asset.')
        : h(
            'div',
            {},
            h('div', { class: 'chart-title' }, asset.partitions ? `Rows of each partition's current version, in partition order (${formatCount(bars.length)} partitions)` : 'Rows written per materialization, oldest first'),
            barChart(bars, { unit: 'rows' }),
            h(
              'div',
              { class: 'table-scroll short' },
              h(
                'table',
                { class: 'table materializations-table' },
                h('thead', {}, h('tr', {}, h('th', {}, 'Partition'), h('th', {}, 'When'), h('th', { class: 'num' }, 'Rows'), h('th', { class: 'num' }, 'Size'), h('th', {}, 'Data version'), h('th', {}, 'Run'))),
                h(
                  'tbody',
                  {},
                  ...materializations.materializations.slice(0, 20).map((m) => {
                    const partition = pick(m, 'partitionKey');
                    const runId = pick(m, 'runId');
                    return h(
                      'tr',
                      {},
                      h('td', {}, typeof partition === 'string' ? h('a', { href: routeHash({ page: 'asset', key: asset.key, partition }) }, partition) : '—'),
                      h('td', { class: 'muted' }, formatTime(pick(m, 'createdAt'))),
                      h('td', { class: 'num' }, text(pick(m, 'rowCount'))),
                      h('td', { class: 'num' }, typeof pick(m, 'bytes') === 'number' ? formatBytes(pick(m, 'bytes') as number) : '—'),
                      h('td', { class: 'mono' }, shortVersion(pick(m, 'dataVersion'))),
                      h('td', {}, typeof runId === 'string' ? h('a', { href: routeHash({ page: 'run', runId }), class: 'mono run-link', title: runId }, runId) : '—'),
                    );
                  }),
                ),
              ),
            ),
          ),
    );
    const scores = [...checks.scores].sort((a, b) => (a.partitionKey < b.partitionKey ? -1 : 1));
    replaceChildren(
      checksCard,
      h('h2', { class: 'card-title' }, 'Checks and quality score'),
      scores.length > 0
        ? h('div', {}, h('div', { class: 'chart-title' }, `Quality score (0–100), latest ${scores[scores.length - 1]!.score.toFixed(1)}`), lineChart(scores.slice(-60).map((s) => ({ label: s.partitionKey || 'all', value: s.score })), { threshold: 80 }))
        : null,
      checksList(checks, checkHistory, asset.checks.length === 0 ? 'This asset declares no checks.' : 'No check results yet.'),
    );
    replaceChildren(lineageCard, h('h2', { class: 'card-title' }, 'Lineage'), lineageLists(lineage, detail));
  };

  const refreshStatus = async () => {
    const [next, info] = await Promise.all([api.get<PartitionStatusResponse>(`${base}/partitions`, context.signal), api.get<AssetDetailResponse>(base, context.signal)]);
    if (context.signal.aborted) return;
    const changed = JSON.stringify([next.counts, next.ranges, next.running]) !== JSON.stringify([status.counts, status.ranges, status.running]);
    status = next;
    replaceChildren(stateHolder, pill(info.state));
    await showFreshness();
    if (changed) {
      bar?.update(next);
      await loadHistory();
    }
  };

  const loadColumnLineage = async () => replaceChildren(columnLineageCard, h('h2', { class: 'card-title' }, 'Column lineage'), await columnLineageView(base, context.signal));
  await Promise.all([loadHistory().catch((error: unknown) => replaceChildren(materializationsCard, errorBox(error))), loadPartition(), loadColumnLineage(), showFreshness()]);
  performance.mark('quarry:asset-rendered');
  document.body.dataset['assetRendered'] = asset.key;
  context.every(2000, refreshStatus);
}

/**
 * Why a stale partition is stale (its cause and the upstream partition behind it), filled in when
 * the server answers: the reason a plan of that partition gives, computed over its upstream closure.
 */
function staleNote(base: string, partition: string): HTMLElement {
  const note = h('p', { class: 'stale-note muted' }, 'Stale: finding out why…');
  api
    .get<PartitionStalenessResponse>(`${base}/staleness${query({ partition })}`)
    .then((answer) => {
      const reason = answer.reason;
      if (reason === null && answer.blocked === null) {
        replaceChildren(note, 'Fresh now.');
        return;
      }
      const cause = reason?.cause ?? answer.blocked!.cause;
      note.dataset['cause'] = cause;
      const upstream = reason?.upstream;
      if (upstream !== undefined) note.dataset['upstream'] = `${upstream.asset} ${upstream.partition}`;
      replaceChildren(
        note,
        'Stale: ',
        pill(cause),
        upstream ? h('span', { class: 'stale-upstream' }, ' from ', h('a', { href: routeHash({ page: 'asset', key: upstream.asset, partition: upstream.partition !== '' ? upstream.partition : undefined }) }, `${upstream.asset}${upstream.partition !== '' ? ` ${upstream.partition}` : ''}`)) : null,
        reason?.detail ? h('span', {}, ` — ${reason.detail}`) : null,
        answer.blocked ? h('span', { class: 'stale-blocked' }, ` It cannot run yet: ${answer.blocked.detail}.`) : null,
      );
    })
    .catch((error: unknown) => replaceChildren(note, errorBox(error)));
  return note;
}

/** One bar per partition: the row count of its current version, in partition-key order. */
function currentVersionBars(materializations: readonly Record<string, unknown>[]): { label: string; value: number }[] {
  // Newest first: the first version seen of a partition is its latest, unless an older one is flagged current.
  const byPartition = new Map<string, Record<string, unknown>>();
  for (const m of materializations) {
    const key = String(m['partitionKey'] ?? '');
    const seen = byPartition.get(key);
    if (seen === undefined || (m['current'] === true && seen['current'] !== true)) byPartition.set(key, m);
  }
  return [...byPartition]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, m]) => ({ label: key === '' ? 'all' : key, value: Number(pick(m, 'rowCount') ?? 0) }));
}

/** How a check result reads: failed (an error-severity failure), warning (a warn-severity failure) or passed. */
function outcomeOf(result: Record<string, unknown>): 'failed' | 'warn' | 'passed' {
  if (result['passed'] === true) return 'passed';
  return result['severity'] === 'warn' ? 'warn' : 'failed';
}

const OUTCOME_RANK = { failed: 0, warn: 1, passed: 2 } as const;

function createdMs(result: Record<string, unknown>): number {
  const value = pick(result, 'createdAt');
  const ms = typeof value === 'string' ? Date.parse(value) : typeof value === 'number' ? value : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

/** A check's latest results (one per partition), its worst outcome and its newest result. */
interface CheckGroup {
  readonly name: string;
  readonly outcome: 'failed' | 'warn' | 'passed';
  readonly latest: Record<string, unknown>;
  readonly results: readonly Record<string, unknown>[];
}

/**
 * Groups the latest results (one per check and partition) by check: failing checks first, then
 * warnings, then passing ones; within a check, its failing partitions first, newest first.
 */
export function checkGroups(results: readonly Record<string, unknown>[]): CheckGroup[] {
  const byName = new Map<string, Record<string, unknown>[]>();
  for (const result of results) {
    const name = String(pick(result, 'checkName', 'name', 'check') ?? '—');
    const list = byName.get(name) ?? [];
    list.push(result);
    byName.set(name, list);
  }
  const groups = [...byName].map(([name, list]) => {
    const sorted = [...list].sort((a, b) => OUTCOME_RANK[outcomeOf(a)] - OUTCOME_RANK[outcomeOf(b)] || createdMs(b) - createdMs(a) || Number(b['id'] ?? 0) - Number(a['id'] ?? 0));
    return { name, outcome: outcomeOf(sorted[0]!), latest: [...list].sort((a, b) => createdMs(b) - createdMs(a) || Number(b['id'] ?? 0) - Number(a['id'] ?? 0))[0]!, results: sorted };
  });
  return groups.sort((a, b) => OUTCOME_RANK[a.outcome] - OUTCOME_RANK[b.outcome] || createdMs(b.latest) - createdMs(a.latest) || (a.name < b.name ? -1 : 1));
}

/** The failing sample rows of a check result (PII already masked by the server unless a token was sent). */
function sampleTable(result: Record<string, unknown>): HTMLElement | null {
  const rows = (Array.isArray(result['sampleRows']) ? result['sampleRows'] : []).filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null).slice(0, 10);
  if (rows.length === 0) return null;
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return h(
    'table',
    { class: 'table sample-table' },
    h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', {}, c)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...columns.map((c) => h('td', { class: 'mono' }, r[c] === null || r[c] === undefined ? '∅' : typeof r[c] === 'object' ? JSON.stringify(r[c]) : String(r[c])))))),
  );
}

function resultLine(result: Record<string, unknown>, withSamples: boolean): HTMLElement {
  const outcome = outcomeOf(result);
  const failing = pick(result, 'failingCount');
  return h(
    'li',
    { class: `check-result outcome-${outcome}`, 'data-outcome': outcome, 'data-partition': String(pick(result, 'partitionKey') ?? '') },
    pill(outcome),
    ' ',
    h('span', { class: 'mono' }, String(pick(result, 'partitionKey') || 'all')),
    ' ',
    h('span', { class: 'muted small' }, formatTime(pick(result, 'createdAt'))),
    typeof failing === 'number' && failing > 0 ? h('span', { class: 'small' }, ` · ${formatCount(failing)} failing rows`) : null,
    pick(result, 'message') ? h('div', { class: 'muted small' }, String(pick(result, 'message'))) : null,
    withSamples && outcome !== 'passed' ? sampleTable(result) : null,
  );
}

/**
 * The checks of an asset (or partition): one row per check with its latest outcome, failing
 * checks first; expanding a check shows its failing partitions (sample rows for the newest three),
 * and loads its previous results on demand.
 */
function checksList(checks: CheckListResponse, history: (name: string) => Promise<CheckListResponse>, empty = 'No check results.'): HTMLElement {
  if (checks.results.length === 0) return h('p', { class: 'muted' }, empty);
  const groups = checkGroups(checks.results as Record<string, unknown>[]);
  return h(
    'div',
    { class: 'checks-list table-scroll' },
    ...groups.map((group) => {
      const bad = group.results.filter((r) => outcomeOf(r) !== 'passed');
      const previous = h('div', { class: 'check-history' });
      const more = h('button', { type: 'button', class: 'btn btn-ghost btn-small', 'data-action': 'check-history' }, 'Previous results');
      more.addEventListener('click', async () => {
        more.disabled = true;
        try {
          const answer = await history(group.name);
          const older = answer.results as Record<string, unknown>[];
          replaceChildren(previous, older.length === 0 ? h('p', { class: 'muted small' }, 'No previous results.') : h('ul', { class: 'plain-list' }, ...older.map((r) => resultLine(r, false))));
          more.hidden = true;
        } catch (error) {
          replaceChildren(previous, errorBox(error));
          more.disabled = false;
        }
      });
      const counts = group.results.length > 1 ? `${formatCount(bad.length)} of ${formatCount(group.results.length)} partitions not passing` : '';
      return h(
        'details',
        { class: 'check-group', 'data-check': group.name, 'data-outcome': group.outcome },
        h(
          'summary',
          {},
          pill(group.outcome),
          h('span', { class: 'check-name' }, group.name),
          h('span', { class: 'muted small' }, counts),
          h('span', { class: 'spacer' }),
          h('span', { class: 'muted small' }, `latest ${formatTime(pick(group.latest, 'createdAt'))}`),
        ),
        h(
          'div',
          { class: 'check-detail' },
          h('ul', { class: 'plain-list' }, ...(bad.length > 0 ? bad : group.results.slice(0, 1)).slice(0, 50).map((r, i) => resultLine(r, i < 3))),
          bad.length > 50 ? h('p', { class: 'muted small' }, `…and ${formatCount(bad.length - 50)} more failing partitions.`) : null,
          more,
          previous,
        ),
      );
    }),
  );
}

/** The latest failed (or check-blocked) attempt at a partition: first line of the error, the full text on demand, and the run. */
function failureNote(failure: PartitionFailureListResponse['failures'][number]): HTMLElement {
  const firstLine = failure.message.split('\n')[0] ?? '';
  const full = failure.message !== firstLine;
  return h(
    'div',
    { class: 'failure-note', 'data-failure': failure.kind },
    h('div', {}, h('span', { class: `pill pill-${failure.kind}` }, failure.kind === 'blocked' ? 'blocked by a check' : 'last attempt failed'), ' ', h('span', { class: 'muted small' }, formatTime(failure.failedAt))),
    h('p', { class: 'failure-message mono' }, firstLine),
    full ? h('details', { class: 'failure-full' }, h('summary', {}, 'Full error'), h('pre', { class: 'mono' }, failure.message)) : null,
    failure.runId !== null ? h('div', {}, 'Run ', h('a', { href: routeHash({ page: 'run', runId: failure.runId }), class: 'mono run-link failure-run' }, failure.runId)) : null,
  );
}

function lineageLists(lineage: LineageResponse, detail?: AssetDetailResponse, compact = false): HTMLElement {
  const upstream = lineage.upstream.length > 0 ? lineage.upstream : (detail?.parents ?? []).map((asset) => ({ asset, partitions: undefined }));
  const downstream = lineage.downstream.length > 0 ? lineage.downstream : (detail?.children ?? []).map((asset) => ({ asset, partitions: undefined }));
  const list = (title: string, edges: readonly { asset: string; partitions?: readonly string[] | undefined }[], cls: string) =>
    h(
      'div',
      { class: `lineage-col ${cls}` },
      h('h4', {}, title),
      edges.length === 0
        ? h('p', { class: 'muted' }, 'None.')
        : h(
            'ul',
            { class: 'plain-list' },
            ...edges.map((e) =>
              h(
                'li',
                {},
                h('a', { href: routeHash({ page: 'asset', key: e.asset, partition: e.partitions?.length === 1 ? e.partitions[0] : undefined }) }, e.asset),
                e.partitions && e.partitions.length > 0 ? h('div', { class: 'muted small mono' }, e.partitions.length <= 4 ? e.partitions.join(', ') : `${e.partitions[0]} … ${e.partitions[e.partitions.length - 1]} (${e.partitions.length})`) : null,
              ),
            ),
          ),
    );
  if (compact) return h('div', { class: 'lineage lineage-compact' }, list('Reads', upstream, 'upstream'), list('Feeds', downstream, 'downstream'));
  return h('div', { class: 'lineage' }, list('Upstream', upstream, 'upstream'), h('div', { class: 'lineage-self' }, '→ ', lineage.asset, lineage.partition ? ` [${lineage.partition}]` : '', ' →'), list('Downstream', downstream, 'downstream'));
}

