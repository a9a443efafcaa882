import type { PlanResponse, ServerInfoResponse } from '../api-schemas.ts';
import { ApiError, api, storeToken, storedToken } from './api-client.ts';
import { h, replaceChildren } from './dom-builder.ts';
import { describePartitions, formatCount } from './formatters.ts';
import { errorBox, pill } from './page-context.ts';
import { navigate } from './router.ts';

/** What the launch dialog starts with. */
export interface LaunchDefaults {
  readonly selection: string;
  /** Whether the selected asset is partitioned (shows the partition pickers). */
  readonly partitioned: boolean;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  /** Placeholder keys (first and last partition). */
  readonly firstKey?: string | undefined;
  readonly lastKey?: string | undefined;
}

type Mode = 'stale' | 'range' | 'keys';

function partitionsOf(mode: Mode, from: string, to: string, keys: string): Record<string, unknown> | undefined {
  if (mode === 'range') return { from, to };
  if (mode === 'keys') {
    return {
      keys: keys
        .split(/[\s,]+/)
        .map((k) => k.trim())
        .filter((k) => k !== ''),
    };
  }
  return undefined;
}

/** The part of a reason beyond its cause: which upstream partition, and the detail text. */
function reasonDetail(reason: { detail?: string | undefined; upstream?: { asset: string; partition: string } | undefined }): string {
  const upstream = reason.upstream ? `from ${reason.upstream.asset}${reason.upstream.partition ? ` ${reason.upstream.partition}` : ''}` : '';
  return [upstream, reason.detail ?? ''].filter((t) => t !== '').join(' — ');
}

type BlockedSummary = NonNullable<PlanResponse['blocked']>;

/** A short list of keys: all of them when few, else the first and last with the count. */
function keysText(group: BlockedSummary['groups'][number]): string {
  if (group.partitionCount === 1) return group.firstKey === '' ? 'unpartitioned' : group.firstKey;
  if (group.partitionCount <= group.keys.length && group.partitionCount <= 8) return group.keys.join(', ');
  return `${group.firstKey} … ${group.lastKey}`;
}

/** Why a group of partitions is blocked, in words, with what would unblock it. */
function blockedWhy(group: BlockedSummary['groups'][number]): string {
  if (group.cause === 'upstream_blocked') {
    return group.upstream ? `They read blocked partitions, e.g. ${group.upstream.asset} ${group.upstream.partition}.` : `They read blocked partitions.`;
  }
  const missing = group.nonexistentUpstream.map((m) => (m.from === m.to ? `${m.asset} ${m.from}` : `${m.asset} ${m.from} … ${m.to}`));
  const more = group.nonexistentRanges - group.nonexistentUpstream.length;
  return (
    `They need upstream partitions that do not exist: ${missing.join('; ')}${more > 0 ? ` and ${formatCount(more)} more` : ''}. ` +
    'Set allowNonexistentUpstream: true on the mapping of that dependency to run them on the partitions that exist.'
  );
}

/**
 * The stale partitions the plan leaves out, one line per asset and cause (compact for thousands):
 * how many, which (first … last, the first keys on demand) and why.
 */
function blockedSection(blocked: BlockedSummary, someRun: boolean): HTMLElement {
  const n = blocked.partitionCount;
  return h(
    'div',
    { class: 'plan-blocked', 'data-blocked': n },
    h('p', { class: 'plan-blocked-summary' }, `${someRun ? 'Left out: ' : ''}${formatCount(n)} stale partition${n === 1 ? '' : 's'} blocked — ${n === 1 ? 'it' : 'they'} cannot run yet.`),
    h(
      'ul',
      { class: 'plain-list blocked-groups' },
      ...blocked.groups.map((group) =>
        h(
          'li',
          { class: 'blocked-group', 'data-asset': group.assetKey, 'data-cause': group.cause, 'data-count': group.partitionCount },
          h('strong', {}, group.assetKey),
          ' ',
          pill(group.cause),
          ' ',
          h('span', { class: 'blocked-count' }, `${formatCount(group.partitionCount)} partition${group.partitionCount === 1 ? '' : 's'}`),
          ': ',
          h('span', { class: 'mono blocked-keys' }, keysText(group)),
          h('div', { class: 'muted small blocked-why' }, blockedWhy(group)),
          group.partitionCount > 8
            ? h(
                'details',
                { class: 'blocked-list' },
                h('summary', {}, group.partitionCount > group.keys.length ? `First ${formatCount(group.keys.length)} of ${formatCount(group.partitionCount)}` : 'All of them'),
                h('p', { class: 'mono small' }, group.keys.join(', ')),
              )
            : null,
        ),
      ),
    ),
  );
}

/**
 * The launch dialog: choose a selection and partitions (all stale/missing, a range, or a list),
 * preview the plan — every step with the reason it runs — and only then launch the run or backfill.
 */
export function openLaunchDialog(info: ServerInfoResponse, defaults: LaunchDefaults): HTMLDialogElement {
  const selection = h('input', { name: 'selection', class: 'input', value: defaults.selection, spellcheck: 'false', autocomplete: 'off' });
  const initialMode: Mode = defaults.from !== undefined ? 'range' : 'stale';
  const modeInput = (value: Mode, label: string) =>
    h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'mode', value, checked: value === initialMode }), label);
  const from = h('input', { name: 'from', class: 'input', value: defaults.from ?? '', placeholder: defaults.firstKey ?? 'first key', spellcheck: 'false' });
  const to = h('input', { name: 'to', class: 'input', value: defaults.to ?? '', placeholder: defaults.lastKey ?? 'last key', spellcheck: 'false' });
  const keys = h('textarea', { name: 'keys', class: 'input', rows: 2, placeholder: 'one key per line or comma-separated', spellcheck: 'false' });
  const force = h('input', { type: 'checkbox', name: 'force' });
  const token = h('input', { name: 'token', type: 'password', class: 'input', value: storedToken() ?? '', autocomplete: 'off' });
  const planBox = h('div', { class: 'plan-box' }, h('p', { class: 'muted' }, 'Preview the plan to see which steps would run and why.'));
  const previewButton = h('button', { type: 'button', class: 'btn', 'data-action': 'preview' }, 'Preview plan');
  const launchButton = h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'launch', disabled: true }, 'Launch');
  const cancelButton = h('button', { type: 'button', class: 'btn btn-ghost', 'data-action': 'close' }, 'Cancel');

  const rangeRow = h('div', { class: 'field-row range-row' }, h('label', { class: 'field' }, 'From', from), h('label', { class: 'field' }, 'To (inclusive)', to));
  const keysRow = h('label', { class: 'field keys-row' }, 'Partition keys', keys);
  const partitionsField = defaults.partitioned
    ? h(
        'fieldset',
        { class: 'fieldset' },
        h('legend', {}, 'Partitions'),
        h('div', { class: 'radios' }, modeInput('stale', 'Missing and stale only'), modeInput('range', 'A range'), modeInput('keys', 'Listed keys')),
        rangeRow,
        keysRow,
      )
    : null;
  const mode = (): Mode => ((partitionsField?.querySelector('input[name=mode]:checked') as HTMLInputElement | null)?.value as Mode | undefined) ?? 'stale';
  const syncMode = () => {
    rangeRow.hidden = mode() !== 'range';
    keysRow.hidden = mode() !== 'keys';
    launchButton.textContent = mode() === 'stale' ? 'Launch run' : 'Launch backfill';
  };

  const dialog = h(
    'dialog',
    { class: 'launch-dialog', 'aria-labelledby': 'launch-title' },
    h(
      'form',
      { method: 'dialog', class: 'dialog-form' },
      h('h2', { id: 'launch-title' }, 'Materialize'),
      h('label', { class: 'field' }, 'Selection', selection, h('small', { class: 'muted' }, 'key, +key (with upstream), key+ (with downstream), group:NAME, tag:K=V')),
      partitionsField,
      h('label', { class: 'checkbox' }, force, 'Force: run fresh partitions too'),
      info.tokenRequired ? h('label', { class: 'field' }, 'Server token', token) : null,
      planBox,
      h('div', { class: 'dialog-actions' }, cancelButton, previewButton, launchButton),
    ),
  );
  partitionsField?.addEventListener('change', () => {
    syncMode();
    launchButton.disabled = true;
  });
  for (const input of [selection, from, to, keys, force]) input.addEventListener('input', () => (launchButton.disabled = true));
  syncMode();

  const request = () => {
    const partitions = defaults.partitioned ? partitionsOf(mode(), from.value.trim(), to.value.trim(), keys.value) : undefined;
    return {
      ...(selection.value.trim() !== '' ? { selection: selection.value.trim() } : {}),
      ...(partitions ? { partitions } : {}),
      ...(force.checked ? { force: true } : {}),
    };
  };

  previewButton.addEventListener('click', async () => {
    previewButton.disabled = true;
    replaceChildren(planBox, h('p', { class: 'muted' }, 'Planning…'));
    // A plan costs the server work, so a server with a token wants it for previews too.
    if (info.tokenRequired) storeToken(token.value.trim());
    try {
      const plan = await api.post<PlanResponse>('/api/plan', { ...request(), limit: 500 });
      const partitions = plan.partitionCount;
      const blockedCount = plan.blocked?.partitionCount ?? 0;
      const summary =
        plan.totalSteps > 0
          ? `${formatCount(plan.totalSteps)} steps over ${formatCount(partitions)} partitions`
          : blockedCount > 0
            ? `Nothing would run: all ${formatCount(blockedCount)} stale partition${blockedCount === 1 ? '' : 's'} of the selection ${blockedCount === 1 ? 'is' : 'are'} blocked (below). Force does not run them either.`
            : 'Nothing to do: every selected partition is fresh. Tick Force to run them anyway.';
      replaceChildren(
        planBox,
        h('p', { class: 'plan-summary', 'data-steps': plan.totalSteps, 'data-blocked': blockedCount }, summary),
        plan.blocked !== undefined && blockedCount > 0 ? blockedSection(plan.blocked, plan.totalSteps > 0) : null,
        plan.steps.length === 0
          ? null
          : h(
              'div',
              { class: 'table-scroll' },
              h(
                'table',
                { class: 'table plan-table' },
                h('thead', {}, h('tr', {}, h('th', {}, 'Asset'), h('th', {}, 'Partitions'), h('th', {}, 'Reason'), h('th', {}, 'After'))),
                h(
                  'tbody',
                  {},
                  ...plan.steps.map((step) =>
                    h(
                      'tr',
                      { 'data-step': step.id },
                      h('td', {}, step.assetKey),
                      h('td', {}, describePartitions(step.partitionKeys)),
                      h('td', {}, pill(step.reason.cause), ' ', h('span', { class: 'muted' }, reasonDetail(step.reason))),
                      h('td', { class: 'muted' }, step.dependsOn.length === 0 ? '—' : `${step.dependsOn.length} step${step.dependsOn.length === 1 ? '' : 's'}`),
                    ),
                  ),
                ),
              ),
              plan.totalSteps > plan.steps.length ? h('p', { class: 'muted' }, `…and ${formatCount(plan.totalSteps - plan.steps.length)} more steps.`) : null,
            ),
      );
      launchButton.disabled = plan.totalSteps === 0;
    } catch (error) {
      replaceChildren(planBox, errorBox(error));
      if (error instanceof ApiError && error.status === 401) token.focus();
    } finally {
      previewButton.disabled = false;
    }
  });

  launchButton.addEventListener('click', async () => {
    launchButton.disabled = true;
    if (info.tokenRequired) storeToken(token.value.trim());
    try {
      const body = request();
      const path = mode() === 'stale' || !defaults.partitioned ? '/api/runs' : '/api/backfills';
      const { runId } = await api.post<{ runId: string }>(path, body);
      dialog.close();
      navigate({ page: 'run', runId });
    } catch (error) {
      replaceChildren(planBox, errorBox(error));
      if (error instanceof ApiError && error.status === 401) token.focus();
      launchButton.disabled = false;
    }
  });
  cancelButton.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  document.body.appendChild(dialog);
  dialog.showModal();
  return dialog;
}
