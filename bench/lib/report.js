// Result rows, each with the baseline measured in the same run, printed as a table and saved as JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { round } from './stats.js';

/**
 * One reported figure. `baseline` is the same-run reference it is compared with (`baselineOf` says what that
 * is); `ratio` defaults to value / baseline; `met` is true, false, or undefined when there is no target.
 */
export function row({ scenario, metric, value, unit = '', baseline, baselineOf = '', ratio, target = '', met, note }) {
  const numeric = typeof value === 'number' && typeof baseline === 'number' && baseline !== 0;
  return {
    scenario,
    metric,
    value: typeof value === 'number' ? round(value, 3) : value,
    unit,
    baseline: typeof baseline === 'number' ? round(baseline, 3) : baseline,
    baselineOf,
    ratio: ratio === undefined ? (numeric ? round(value / baseline, 3) : null) : round(ratio, 3),
    target,
    met,
    ...(note ? { note } : {}),
  };
}

/** A row for a measurement that could not be taken, with the reason. */
export function skipped(scenario, metric, reason, target = '') {
  return {
    scenario,
    metric,
    value: 'skipped',
    unit: '',
    baseline: null,
    baselineOf: '',
    ratio: null,
    target,
    met: undefined,
    note: reason,
  };
}

function show(value, unit) {
  if (value === null || value === undefined) return '—';
  if (typeof value !== 'number') return String(value);
  const digits = Math.abs(value) >= 1000 ? 0 : Math.abs(value) >= 100 ? 1 : Math.abs(value) >= 10 ? 2 : 3;
  const text = value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit ? `${text} ${unit}` : text;
}

function cells(r) {
  const met = r.met === true ? 'yes' : r.met === false ? 'NO' : '';
  const baseline =
    r.baseline === null || r.baseline === undefined ? '—' : `${show(r.baseline, r.unit)} (${r.baselineOf})`;
  return [
    r.scenario,
    r.metric,
    show(r.value, r.unit),
    baseline,
    r.ratio === null ? '—' : `${show(r.ratio)}×`,
    r.target,
    met,
  ];
}

const HEADER = ['scenario', 'metric', 'sluice', 'baseline (same run)', 'ratio', 'target', 'met'];

/** An aligned plain-text table. */
export function textTable(rows) {
  const lines = [HEADER, ...rows.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...lines.map((l) => String(l[i]).length)));
  const fmt = (l) =>
    l
      .map((c, i) => String(c).padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [fmt(lines[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.slice(1).map(fmt)].join('\n');
}

/** The same table in Markdown (for docs/benchmarks.md). */
export function markdownTable(rows) {
  const esc = (c) => String(c).replace(/\|/g, '\\|');
  return [
    `| ${HEADER.join(' | ')} |`,
    `| ${HEADER.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${cells(r).map(esc).join(' | ')} |`),
  ].join('\n');
}

export function writeJson(path, data) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
}
