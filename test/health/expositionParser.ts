/**
 * A strict parser of the Prometheus text exposition format (0.0.4), written for the tests: it
 * rejects anything promtool would, as far as our output goes (names, HELP/TYPE order, escapes,
 * histogram suffixes, counter `_total`, duplicate series, values).
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly help: string;
  readonly samples: Sample[];
}

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
}

function parseValue(text: string, line: number): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text))
    throw new Error(`line ${line}: bad value ${JSON.stringify(text)}`);
  return Number(text);
}

/** Parses `{a="x",b="y"}` starting at `i` (the `{`); returns the labels and the index after `}`. */
function parseLabels(line: string, start: number, lineNo: number): [Record<string, string>, number] {
  const labels: Record<string, string> = Object.create(null);
  let i = start + 1;
  for (;;) {
    if (line[i] === '}') return [labels, i + 1];
    const eq = line.indexOf('=', i);
    if (eq < 0) throw new Error(`line ${lineNo}: label without =`);
    const name = line.slice(i, eq);
    if (!LABEL.test(name)) throw new Error(`line ${lineNo}: bad label name ${JSON.stringify(name)}`);
    if (name in labels) throw new Error(`line ${lineNo}: duplicate label ${name}`);
    if (line[eq + 1] !== '"') throw new Error(`line ${lineNo}: label value must be quoted`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = line[j];
      if (c === undefined) throw new Error(`line ${lineNo}: unterminated label value`);
      if (c === '\\') {
        const next = line[j + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else throw new Error(`line ${lineNo}: bad escape \\${next}`);
        j += 2;
        continue;
      }
      if (c === '"') break;
      value += c;
      j += 1;
    }
    labels[name] = value;
    i = j + 1;
    if (line[i] === ',') i += 1;
    else if (line[i] !== '}') throw new Error(`line ${lineNo}: expected , or } after a label`);
  }
}

/** Parses a whole exposition; throws with the line number on the first problem. */
export function parseExposition(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a line feed');
  const families = new Map<string, Family>();
  const series = new Set<string>();
  const lines = text.slice(0, -1).split('\n');
  let current: Family | undefined;
  lines.forEach((line, index) => {
    const no = index + 1;
    if (line === '') throw new Error(`line ${no}: empty line`);
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) {
      const rest = line.slice(7);
      const space = rest.indexOf(' ');
      const name = space < 0 ? rest : rest.slice(0, space);
      const arg = space < 0 ? '' : rest.slice(space + 1);
      if (!METRIC.test(name)) throw new Error(`line ${no}: bad metric name ${name}`);
      let family = families.get(name);
      if (family && family !== current) throw new Error(`line ${no}: family ${name} is not contiguous`);
      if (!family) {
        family = { name, type: 'untyped', help: '', samples: [] };
        families.set(name, family);
      }
      if (family.samples.length > 0) throw new Error(`line ${no}: HELP/TYPE after samples of ${name}`);
      if (line.startsWith('# HELP ')) (family as { help: string }).help = unescapeHelp(arg);
      else {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(arg))
          throw new Error(`line ${no}: bad type ${arg}`);
        (family as { type: string }).type = arg;
      }
      current = family;
      return;
    }
    if (line.startsWith('#')) return;
    const brace = line.indexOf('{');
    const firstSpace = line.indexOf(' ');
    const nameEnd = brace >= 0 && brace < firstSpace ? brace : firstSpace;
    const name = line.slice(0, nameEnd);
    if (!METRIC.test(name)) throw new Error(`line ${no}: bad metric name ${JSON.stringify(name)}`);
    let labels: Record<string, string> = {};
    let i = nameEnd;
    if (line[i] === '{') [labels, i] = parseLabels(line, i, no);
    if (line[i] !== ' ') throw new Error(`line ${no}: expected a space before the value`);
    const parts = line.slice(i + 1).split(' ');
    if (parts.length > 2) throw new Error(`line ${no}: trailing text`);
    const value = parseValue(parts[0] ?? '', no);
    if (!current) throw new Error(`line ${no}: sample ${name} before any TYPE`);
    const base = current.name;
    const allowed =
      current.type === 'histogram' ? [`${base}_bucket`, `${base}_sum`, `${base}_count`] : [base];
    if (!allowed.includes(name)) throw new Error(`line ${no}: sample ${name} outside its family ${base}`);
    if (current.type === 'histogram' && name.endsWith('_bucket') && !('le' in labels)) {
      throw new Error(`line ${no}: histogram bucket without le`);
    }
    if (current.type === 'counter' && !base.endsWith('_total'))
      throw new Error(`line ${no}: counter ${base} lacks _total`);
    if (current.type === 'counter' && !(value >= 0)) throw new Error(`line ${no}: negative counter`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) throw new Error(`line ${no}: duplicate series ${key}`);
    series.add(key);
    current.samples.push({ name, labels, value });
  });
  for (const family of families.values()) {
    if (family.type === 'untyped') throw new Error(`family ${family.name} has no TYPE`);
    if (family.help === '') throw new Error(`family ${family.name} has no HELP`);
    if (family.type === 'histogram') checkHistogram(family);
  }
  return families;
}

function checkHistogram(family: Family): void {
  const byKey = new Map<string, Sample[]>();
  for (const s of family.samples) {
    if (!s.name.endsWith('_bucket')) continue;
    const { le: _le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    byKey.set(key, [...(byKey.get(key) ?? []), s]);
  }
  for (const [key, buckets] of byKey) {
    let previous = -1;
    let previousLe = Number.NEGATIVE_INFINITY;
    for (const b of buckets) {
      const le = b.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(b.labels.le);
      if (!(le > previousLe)) throw new Error(`${family.name}${key}: le not increasing`);
      if (b.value < previous) throw new Error(`${family.name}${key}: buckets not cumulative`);
      previous = b.value;
      previousLe = le;
    }
    if (previousLe !== Number.POSITIVE_INFINITY) throw new Error(`${family.name}${key}: no +Inf bucket`);
    const count = family.samples.find(
      (s) => s.name === `${family.name}_count` && JSON.stringify(Object.entries(s.labels).sort()) === key,
    );
    if (count?.value !== previous)
      throw new Error(`${family.name}${key}: _count differs from the +Inf bucket`);
  }
}
