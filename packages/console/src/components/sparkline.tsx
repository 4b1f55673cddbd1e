// A small line chart as SVG: one series of numbers over time, with its latest value and range in words.
export interface Point {
  at: number;
  value: number;
}

export function Sparkline({ label, points, spanMs }: { label: string; points: Point[]; spanMs: number }) {
  const width = 240;
  const height = 48;
  const end = Date.now();
  const start = end - spanMs;
  const max = Math.max(1, ...points.map((p) => p.value));
  const path = points
    .filter((p) => p.at >= start)
    .map((p, i) => {
      const x = ((p.at - start) / spanMs) * width;
      const y = height - 2 - (p.value / max) * (height - 4);
      return `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
  const latest = points.at(-1)?.value;
  return (
    <figure class="spark">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`${label}: latest ${latest ?? 'none'}, max ${max}`}
      >
        <line x1="0" y1={height - 1} x2={width} y2={height - 1} class="axis" />
        {path && <path d={path} class="line" />}
      </svg>
      <figcaption>
        {label}: <strong>{latest ?? '–'}</strong> <span class="muted">(max {max})</span>
      </figcaption>
    </figure>
  );
}
