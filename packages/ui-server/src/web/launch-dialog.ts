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
      replaceChildren(
        planBox,
        h('p', { class: 'plan-summary' }, plan.totalSteps === 0 ? 'Nothing to do: every selected partition is fresh. Tick Force to run them anyway.' : `${formatCount(plan.totalSteps)} steps over ${formatCount(partitions)} partitions`),
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
