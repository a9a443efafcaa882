import { QuarryError } from '../errors.ts';

/** One sample line of the Prometheus text format. */
export interface PrometheusSample {
  /** The sample's name: the family name, or for histograms `<family>_bucket|_sum|_count`. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A metric family: its `# TYPE`, `# HELP` and samples, in order. */
export interface PrometheusFamily {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly help: string;
  readonly samples: readonly PrometheusSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function bad(line: number, message: string): QuarryError {
  return new QuarryError('QUARRY_BAD_ARGUMENT', `Not valid Prometheus text format, line ${line}: ${message}`);
}

function parseValue(text: string, line: number): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw bad(line, `value ${JSON.stringify(text)} is not a number`);
  return Number(text);
}

function familyOf(sampleName: string, families: ReadonlyMap<string, { type: string }>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (sampleName.endsWith(suffix)) {
      const base = sampleName.slice(0, -suffix.length);
      const type = families.get(base)?.type;
      if (type === 'histogram' || (type === 'summary' && suffix !== '_bucket')) return base;
    }
  }
  return sampleName;
}

/**
 * Parses the Prometheus text exposition format 0.0.4 strictly: metric and label names, label value
 * escapes, values, one `# TYPE`/`# HELP` per family before its samples, each family's lines in one
 * group, no duplicate series, counters ≥ 0, histograms with cumulative buckets ending in `+Inf`
 * equal to `_count`. Anything else throws `QUARRY_BAD_ARGUMENT` naming the line.
 *
 * ```ts
 * const families = parsePrometheusText(await (await fetch(`${url}/metrics`)).text());
 * families.get('quarry_rows_written_total')?.samples
 * ```
 */
export function parsePrometheusText(text: string): Map<string, PrometheusFamily> {
  const families = new Map<string, { name: string; type: PrometheusFamily['type']; help: string; samples: PrometheusSample[]; typed: boolean; helped: boolean }>();
  const closed = new Set<string>();
  let current: string | undefined;
  const seen = new Set<string>();
  const lines = text.split('\n');
  if (text.length > 0 && !text.endsWith('\n')) throw bad(lines.length, 'the exposition must end with a line feed');
  const enter = (name: string, line: number) => {
    if (current !== name) {
      if (closed.has(name)) throw bad(line, `lines of ${name} are not in one group`);
      if (current !== undefined) closed.add(current);
      current = name;
    }
    let family = families.get(name);
    if (family === undefined) {
      family = { name, type: 'untyped', help: '', samples: [], typed: false, helped: false };
      families.set(name, family);
    }
    return family;
  };
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const match = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(raw);
      if (match === null) return; // a plain comment
      const [, keyword, name, rest = ''] = match as unknown as [string, string, string, string | undefined];
      if (!METRIC_NAME.test(name)) throw bad(line, `metric name ${JSON.stringify(name)} is not valid`);
      const family = enter(name, line);
      if (keyword === 'TYPE') {
        if (family.typed) throw bad(line, `second TYPE line for ${name}`);
        if (family.samples.length > 0) throw bad(line, `TYPE of ${name} after its samples`);
        if (!TYPES.has(rest.trim())) throw bad(line, `type ${JSON.stringify(rest.trim())} of ${name} is not counter, gauge, histogram, summary or untyped`);
        family.type = rest.trim() as PrometheusFamily['type'];
        family.typed = true;
      } else {
        if (family.helped) throw bad(line, `second HELP line for ${name}`);
        family.help = rest.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
        family.helped = true;
      }
      return;
    }
    const nameMatch = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(raw);
    if (nameMatch === null) throw bad(line, `expected a metric name, got ${JSON.stringify(raw.slice(0, 40))}`);
    const sampleName = nameMatch[1]!;
    let i = sampleName.length;
    const labels: Record<string, string> = {};
    if (raw[i] === '{') {
      i++;
      while (raw[i] !== '}') {
        const labelMatch = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(raw.slice(i));
        if (labelMatch === null) throw bad(line, `expected label="value" at column ${i + 1}`);
        const labelName = labelMatch[1]!;
        if (!LABEL_NAME.test(labelName) || labelName.startsWith('__')) throw bad(line, `label name ${labelName} is reserved or not valid`);
        if (labelName in labels) throw bad(line, `label ${labelName} given twice`);
        i += labelMatch[0].length;
        let value = '';
        for (;;) {
          const c = raw[i];
          if (c === undefined) throw bad(line, `label value of ${labelName} is not closed`);
          i++;
          if (c === '"') break;
          if (c === '\\') {
            const next = raw[i++];
            if (next === 'n') value += '\n';
            else if (next === '\\' || next === '"') value += next;
            else throw bad(line, `invalid escape \\${next ?? ''} in label ${labelName}`);
          } else value += c;
        }
        labels[labelName] = value;
        if (raw[i] === ',') i++;
        else if (raw[i] !== '}') throw bad(line, `expected , or } after label ${labelName}`);
      }
      i++;
    }
    const rest = raw.slice(i);
    const valueMatch = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
    if (valueMatch === null) throw bad(line, `expected " value [timestamp]" after the labels, got ${JSON.stringify(rest.slice(0, 40))}`);
    const value = parseValue(valueMatch[1]!, line);
    const familyName = familyOf(sampleName, families);
    const family = enter(familyName, line);
    if (family.type === 'counter' && !(value >= 0)) throw bad(line, `counter ${sampleName} has the negative or NaN value ${valueMatch[1]}`);
    if (family.type === 'histogram' && sampleName === familyName) throw bad(line, `histogram ${familyName} has a sample without _bucket/_sum/_count`);
    if (family.type === 'histogram' && sampleName.endsWith('_bucket') && labels.le === undefined) throw bad(line, `bucket of ${familyName} without an le label`);
    const series = `${sampleName}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(series)) throw bad(line, `series ${sampleName}${JSON.stringify(labels)} appears twice`);
    seen.add(series);
    family.samples.push({ name: sampleName, labels, value });
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return new Map([...families].map(([name, f]) => [name, { name, type: f.type, help: f.help, samples: f.samples }]));
}

// Buckets per label set are cumulative, end with +Inf, and +Inf equals _count.
function checkHistogram(family: PrometheusFamily): void {
  const groups = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const group = groups.get(key) ?? { buckets: [] };
    groups.set(key, group);
    if (s.name.endsWith('_bucket')) group.buckets.push([le === '+Inf' ? Infinity : Number(le), s.value]);
    else if (s.name.endsWith('_count')) group.count = s.value;
    else group.sum = s.value;
  }
  for (const [key, g] of groups) {
    const where = `${family.name}${key}`;
    if (g.buckets.some(([le]) => Number.isNaN(le))) throw new QuarryError('QUARRY_BAD_ARGUMENT', `Not valid Prometheus text format: ${where} has a bucket whose le is not a number.`);
    const sorted = [...g.buckets].sort((a, b) => a[0] - b[0]);
    if (sorted.length === 0 || sorted[sorted.length - 1]![0] !== Infinity) throw new QuarryError('QUARRY_BAD_ARGUMENT', `Not valid Prometheus text format: ${where} has no +Inf bucket.`);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]![1] < sorted[i - 1]![1]) throw new QuarryError('QUARRY_BAD_ARGUMENT', `Not valid Prometheus text format: ${where} buckets are not cumulative at le=${sorted[i]![0]}.`);
    }
    if (g.count === undefined || g.sum === undefined) throw new QuarryError('QUARRY_BAD_ARGUMENT', `Not valid Prometheus text format: ${where} lacks _count or _sum.`);
    if (g.count !== sorted[sorted.length - 1]![1]) throw new QuarryError('QUARRY_BAD_ARGUMENT', `Not valid Prometheus text format: ${where} _count ${g.count} differs from its +Inf bucket ${sorted[sorted.length - 1]![1]}.`);
  }
}
