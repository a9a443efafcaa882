import { s } from './dom-builder.ts';
import { formatCount, formatDuration } from './formatters.ts';
import { runStatusColor } from './state-colors.ts';

/** One bar of the timeline: a step of an asset (its lane) with its start, end (undefined while running) and status. */
export interface GanttRow {
  readonly id: string;
  readonly lane: string;
  readonly label: string;
  readonly start: number | undefined;
  readonly end: number | undefined;
  readonly status: string;
}

const MAX_TRACKS = 8;

/**
 * Places a lane's bars on tracks so bars that overlap in time (steps that ran concurrently) sit on
 * different tracks; beyond `MAX_TRACKS` they share the last one.
 */
function packTracks(rows: readonly GanttRow[], now: number): Map<string, number> {
  const ends: number[] = [];
  const track = new Map<string, number>();
  const started = rows.filter((r) => r.start !== undefined).sort((a, b) => a.start! - b.start!);
  for (const row of started) {
    let t = ends.findIndex((end) => end <= row.start!);
    if (t === -1) t = ends.length < MAX_TRACKS ? ends.length : MAX_TRACKS - 1;
    ends[t] = Math.max(ends[t] ?? 0, row.end ?? now);
    track.set(row.id, t);
  }
  return track;
}

/**
 * The timeline (Gantt chart) of a run: one lane per asset, its steps' bars placed by start and end
 * time (a running step extends to `now`), concurrent steps on stacked tracks within the lane. Every
 * step of the run is drawn, however many there are; failed bars are drawn last so none hides them.
 */
export function ganttChart(rows: readonly GanttRow[], now: number, options: { width?: number } = {}): SVGSVGElement {
  const width = options.width ?? 900;
  const labelWidth = 260;
  const trackHeight = 9;
  const lanePadding = 8;
  const top = 22;
  const lanes = new Map<string, GanttRow[]>();
  for (const row of rows) {
    const lane = lanes.get(row.lane) ?? [];
    lane.push(row);
    lanes.set(row.lane, lane);
  }
  let t0 = now;
  let t1 = -Infinity;
  for (const row of rows) {
    if (row.start === undefined) continue;
    t0 = Math.min(t0, row.start);
    t1 = Math.max(t1, row.end ?? now);
  }
  t1 = Math.max(t0 + 50, t1);
  const plot = width - labelWidth - 16;
  const x = (t: number) => labelWidth + ((t - t0) / (t1 - t0)) * plot;
  const layouts = [...lanes].map(([lane, laneRows]) => {
    const tracks = packTracks(laneRows, now);
    const trackCount = Math.max(1, ...[...tracks.values()].map((t) => t + 1));
    return { lane, laneRows, tracks, height: Math.max(34, trackCount * trackHeight + lanePadding * 2) };
  });
  const height = top + layouts.reduce((sum, l) => sum + l.height, 0) + 8;
  const svg = s('svg', { class: 'gantt', viewBox: `0 0 ${width} ${height}`, width: '100%', height, preserveAspectRatio: 'xMinYMin meet', role: 'img', 'aria-label': `Timeline of ${rows.length} steps in ${lanes.size} assets`, 'data-bars': rows.filter((r) => r.start !== undefined).length });
  for (let i = 0; i <= 4; i++) {
    const t = t0 + ((t1 - t0) * i) / 4;
    svg.appendChild(s('line', { class: 'grid', x1: x(t), x2: x(t), y1: top - 6, y2: height - 4 }));
    svg.appendChild(s('text', { class: 'axis-label', x: x(t), y: 12, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' }, `+${formatDuration(t - t0)}`));
  }
  let y = top;
  for (const { lane, laneRows, tracks, height: laneHeight } of layouts) {
    const failed = laneRows.filter((r) => r.status === 'failed').length;
    const group = s('g', { class: 'gantt-lane', 'data-asset': lane, 'data-steps': laneRows.length });
    group.appendChild(s('line', { class: 'grid', x1: 0, x2: width, y1: y + laneHeight, y2: y + laneHeight }));
    const name = lane.length > 30 ? `${lane.slice(0, 29)}…` : lane;
    group.appendChild(s('text', { class: 'gantt-label', x: 4, y: y + 15 }, name));
    group.appendChild(s('text', { class: 'gantt-sublabel', x: 4, y: y + 15 + 12 }, `${formatCount(laneRows.length)} steps${failed > 0 ? `, ${formatCount(failed)} failed` : ''}`));
    const ordered = [...laneRows].sort((a, b) => Number(a.status === 'failed') - Number(b.status === 'failed'));
    for (const row of ordered) {
      if (row.start === undefined) continue;
      const end = row.end ?? now;
      const barY = y + lanePadding + (tracks.get(row.id) ?? 0) * trackHeight;
      group.appendChild(
        s(
          'rect',
          { class: `gantt-bar status-${row.status}`, x: x(row.start), y: barY, width: Math.max(2, x(end) - x(row.start)), height: trackHeight - 2, rx: 2, fill: runStatusColor(row.status), 'data-step': row.id },
          s('title', {}, `${row.label}: ${row.status}, ${formatDuration(end - row.start)}`),
        ),
      );
    }
    svg.appendChild(group);
    y += laneHeight;
  }
  return svg;
}
