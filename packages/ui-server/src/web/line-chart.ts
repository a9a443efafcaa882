import { s } from './dom-builder.ts';

/** One point of a line chart. */
export interface LinePoint {
  readonly label: string;
  readonly value: number;
}

/**
 * A small SVG line chart on a fixed 0–100 scale (quality score trend), with a dot per point and a
 * dashed guide at `threshold`.
 */
export function lineChart(points: readonly LinePoint[], options: { width?: number; height?: number; min?: number; max?: number; threshold?: number } = {}): SVGSVGElement {
  const width = options.width ?? 560;
  const height = options.height ?? 120;
  const min = options.min ?? 0;
  const max = options.max ?? 100;
  const left = 36;
  const top = 10;
  const bottom = 18;
  const plotW = width - left - 10;
  const plotH = height - top - bottom;
  const x = (i: number) => left + (points.length <= 1 ? plotW / 2 : (i / (points.length - 1)) * plotW);
  const y = (v: number) => top + plotH - ((Math.max(min, Math.min(max, v)) - min) / (max - min)) * plotH;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': `Trend of ${points.length} points` });
  for (const v of [min, (min + max) / 2, max]) {
    svg.appendChild(s('line', { class: 'grid', x1: left, x2: left + plotW, y1: y(v), y2: y(v) }));
    svg.appendChild(s('text', { class: 'axis-label', x: left - 6, y: y(v) + 4, 'text-anchor': 'end' }, String(v)));
  }
  if (options.threshold !== undefined) svg.appendChild(s('line', { class: 'threshold', x1: left, x2: left + plotW, y1: y(options.threshold), y2: y(options.threshold) }));
  if (points.length > 1) svg.appendChild(s('polyline', { class: 'trend', points: points.map((p, i) => `${x(i)},${y(p.value)}`).join(' ') }));
  points.forEach((p, i) => svg.appendChild(s('circle', { class: 'trend-dot', cx: x(i), cy: y(p.value), r: 3 }, s('title', {}, `${p.label}: ${p.value.toFixed(1)}`))));
  if (points.length > 0) {
    svg.appendChild(s('text', { class: 'axis-label', x: left, y: height - 4 }, points[0]!.label));
    if (points.length > 1) svg.appendChild(s('text', { class: 'axis-label', x: left + plotW, y: height - 4, 'text-anchor': 'end' }, points[points.length - 1]!.label));
  }
  return svg;
}
