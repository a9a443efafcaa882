import { s } from './dom-builder.ts';
import { formatDuration } from './formatters.ts';
import { runStatusColor } from './state-colors.ts';

/** One bar of the timeline: a step with its start, end (undefined while running) and status. */
export interface GanttRow {
  readonly id: string;
  readonly label: string;
  readonly start: number | undefined;
  readonly end: number | undefined;
  readonly status: string;
}

/**
 * The timeline (Gantt chart) of a run's steps: one row per step, bars placed by start and end
 * time; a step still running extends to `now`, a step not started yet shows an empty row.
 */
export function ganttChart(rows: readonly GanttRow[], now: number, options: { width?: number } = {}): SVGSVGElement {
  const width = options.width ?? 900;
  const labelWidth = 260;
  const rowHeight = 22;
  const top = 22;
  const height = top + rows.length * rowHeight + 8;
  const starts = rows.map((r) => r.start).filter((v): v is number => v !== undefined);
  const t0 = starts.length > 0 ? Math.min(...starts) : now;
  const t1 = Math.max(t0 + 50, ...rows.map((r) => r.end ?? (r.start !== undefined ? now : t0)));
  const plot = width - labelWidth - 16;
  const x = (t: number) => labelWidth + ((t - t0) / (t1 - t0)) * plot;
  const svg = s('svg', { class: 'gantt', viewBox: `0 0 ${width} ${height}`, width: '100%', height, preserveAspectRatio: 'xMinYMin meet', role: 'img', 'aria-label': `Timeline of ${rows.length} steps` });
  for (let i = 0; i <= 4; i++) {
    const t = t0 + ((t1 - t0) * i) / 4;
    svg.appendChild(s('line', { class: 'grid', x1: x(t), x2: x(t), y1: top - 6, y2: height - 4 }));
    svg.appendChild(s('text', { class: 'axis-label', x: x(t), y: 12, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' }, `+${formatDuration(t - t0)}`));
  }
  rows.forEach((row, i) => {
    const y = top + i * rowHeight;
    svg.appendChild(s('text', { class: 'gantt-label', x: 4, y: y + 15 }, row.label.length > 38 ? `${row.label.slice(0, 37)}…` : row.label));
    if (row.start === undefined) return;
    const end = row.end ?? now;
    svg.appendChild(
      s(
        'rect',
        { class: `gantt-bar status-${row.status}`, x: x(row.start), y: y + 4, width: Math.max(3, x(end) - x(row.start)), height: rowHeight - 8, rx: 3, fill: runStatusColor(row.status), 'data-step': row.id },
        s('title', {}, `${row.label}: ${row.status}, ${formatDuration(end - row.start)}`),
      ),
    );
  });
  return svg;
}
