/**
 * The colour of each asset or partition state: fresh green, stale amber, missing grey, failed red,
 * upstream_failed (never ran because an upstream failed) light red, running blue.
 */
export const STATE_COLORS = {
  fresh: '#16a34a',
  stale: '#f59e0b',
  missing: '#b8c0cc',
  failed: '#dc2626',
  upstream_failed: '#f4a3a3',
  running: '#2563eb',
} as const;

/** The colour of a run or step status. */
export function runStatusColor(status: string): string {
  switch (status) {
    case 'succeeded':
      return STATE_COLORS.fresh;
    case 'failed':
    case 'blocked':
      return STATE_COLORS.failed;
    case 'partially_failed':
      return '#ea580c';
    case 'cancelled':
    case 'skipped':
      return '#6b7280';
    case 'running':
    case 'retrying':
      return STATE_COLORS.running;
    default:
      return '#94a3b8';
  }
}
