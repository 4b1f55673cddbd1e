// A small line chart as SVG: one series of numbers over a time span, with its latest value and maximum in words.
export interface Point {
  at: number;
  value: number;
}

const WIDTH = 240;
const HEIGHT = 48;

export function Sparkline({ label, points, spanMs }: { label: string; points: Point[]; spanMs: number }) {
  const start = Date.now() - spanMs;
  const shown = points.filter((p) => p.at >= start);
  const max = Math.max(0, ...shown.map((p) => p.value));
  const xy = shown.map((p) => ({
    x: ((p.at - start) / spanMs) * WIDTH,
    y: HEIGHT - 3 - (p.value / Math.max(1, max)) * (HEIGHT - 6),
  }));
  const path = xy.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
  const latest = shown.at(-1)?.value;
  return (
    <figure class="spark">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`${label} over the last ${Math.round(spanMs / 60_000)} minutes: latest ${latest ?? 'none'}, max ${max}`}
      >
        <line x1="0" y1={HEIGHT - 1} x2={WIDTH} y2={HEIGHT - 1} class="axis" />
        {xy.length > 1 && <path d={path} class="line" />}
      </svg>
      <figcaption>
        {label}: <strong>{latest ?? '–'}</strong> <span class="muted">(max {max}, last hour)</span>
      </figcaption>
    </figure>
  );
}
