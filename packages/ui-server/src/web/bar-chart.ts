import { s } from './dom-builder.ts';
import { formatCount } from './formatters.ts';

/** One bar: its label (shown on hover) and value. */
export interface Bar {
  readonly label: string;
  readonly value: number;
}

/**
 * A small SVG bar chart (row counts per materialization), oldest on the left, with the largest
 * value labelled on the axis.
 */
export function barChart(bars: readonly Bar[], options: { width?: number; height?: number; color?: string; unit?: string } = {}): SVGSVGElement {
  const width = options.width ?? 560;
  const height = options.height ?? 120;
  const top = 12;
  const bottom = 18;
  const left = 56;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const slot = (width - left - 8) / Math.max(1, bars.length);
  const plot = height - top - bottom;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': `${bars.length} bars, largest ${formatCount(max)}${options.unit ? ` ${options.unit}` : ''}` });
  svg.appendChild(s('line', { class: 'axis', x1: left, x2: width - 4, y1: top + plot, y2: top + plot }));
  svg.appendChild(s('text', { class: 'axis-label', x: left - 6, y: top + 4, 'text-anchor': 'end' }, formatCount(max)));
  svg.appendChild(s('text', { class: 'axis-label', x: left - 6, y: top + plot, 'text-anchor': 'end' }, '0'));
  bars.forEach((bar, i) => {
    const h = (bar.value / max) * plot;
    svg.appendChild(
      s(
        'rect',
        { class: 'chart-bar', x: left + i * slot + slot * 0.15, y: top + plot - h, width: Math.max(1, slot * 0.7), height: Math.max(bar.value > 0 ? 1 : 0, h), fill: options.color ?? '#3b82f6', rx: 1 },
        s('title', {}, `${bar.label}: ${formatCount(bar.value)}${options.unit ? ` ${options.unit}` : ''}`),
      ),
    );
  });
  if (bars.length > 0) {
    svg.appendChild(s('text', { class: 'axis-label', x: left, y: height - 4 }, bars[0]!.label));
    if (bars.length > 1) svg.appendChild(s('text', { class: 'axis-label', x: width - 4, y: height - 4, 'text-anchor': 'end' }, bars[bars.length - 1]!.label));
  }
  return svg;
}
