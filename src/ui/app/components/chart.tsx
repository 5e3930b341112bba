// Small time charts in plain SVG: bars (stacked when there are two series) or lines with points.
// No charting library: the bundle stays small and the CSP strict. Each bucket has a hover column
// whose <title> is the browser's own tooltip, with the bucket's time and every series' value.

export interface Series {
  name: string;
  /** A CSS class from styles.css (`s-accent`, `s-err`, `s-soft`): the colour comes from the theme. */
  tone: string;
  values: (number | null)[];
}

export interface ChartProps {
  title: string;
  kind: "bars" | "lines";
  /** Bucket starts, epoch ms, oldest first; one value per series per bucket. */
  times: number[];
  series: Series[];
  from: number;
  to: number;
  bucketMs: number;
  format: (v: number) => string;
  /** Whole numbers only (counts): the axis stops at an even number, so its middle line is whole too. */
  integer?: boolean;
  tick: (t: number) => string;
  when: (t: number) => string;
}

const W = 560;
const H = 180;
const PAD = { left: 64, right: 12, top: 12, bottom: 24 };
const PW = W - PAD.left - PAD.right;
const PH = H - PAD.top - PAD.bottom;

/** 1, 2 or 5 times a power of ten, at or above `v`: the top of the axis reads as a round number. */
export function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * p >= v * (1 - 1e-9)) ?? 10) * p;
}

export function Chart(p: ChartProps) {
  const span = Math.max(1, p.to - p.from);
  const x = (t: number) => PAD.left + ((t - p.from) / span) * PW;
  const stacked = p.kind === "bars";
  const peak = Math.max(
    0,
    ...p.times.map((_, i) => (stacked ? p.series.reduce((s, se) => s + (se.values[i] ?? 0), 0) : Math.max(0, ...p.series.map((se) => se.values[i] ?? 0)))),
  );
  const nice = niceMax(peak);
  const top = p.integer && nice % 2 !== 0 ? nice + 1 : nice;
  const y = (v: number) => PAD.top + PH - (v / top) * PH;
  const bw = Math.max(1, (p.bucketMs / span) * PW - 1);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => p.from + f * span);
  return (
    <figure className="chart">
      <figcaption>
        {p.title}
        <span className="legend">
          {p.series.map((s) => (
            <span key={s.name} className={`key ${s.tone}`}>
              {s.name}
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={p.title} className="chart-svg" data-points={p.times.length}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line className="grid-line" x1={PAD.left} x2={W - PAD.right} y1={y(top * f)} y2={y(top * f)} />
            <text className="y-label" x={PAD.left - 6} y={y(top * f) + 4} textAnchor="end">
              {p.format(top * f)}
            </text>
          </g>
        ))}
        {ticks.map((t, i) => (
          <text key={t} className="x-label" x={x(t)} y={H - 6} textAnchor={i === 0 ? "start" : i === ticks.length - 1 ? "end" : "middle"}>
            {p.tick(t)}
          </text>
        ))}
        {stacked
          ? p.times.map((t, i) => {
              let base = 0;
              return p.series.map((s) => {
                const v = s.values[i] ?? 0;
                const y0 = y(base);
                base += v;
                return v > 0 ? (
                  <rect key={`${t}-${s.name}`} className={`bar ${s.tone}`} x={x(t)} width={bw} y={y(base)} height={Math.max(1, y0 - y(base))} />
                ) : null;
              });
            })
          : p.series.map((s) => {
              const pts = p.times.flatMap((t, i) => (s.values[i] === null || s.values[i] === undefined ? [] : [[x(t) + bw / 2, y(s.values[i]!)] as const]));
              return (
                <g key={s.name} className={s.tone}>
                  <polyline className="line" points={pts.map(([a, b]) => `${a},${b}`).join(" ")} />
                  {pts.map(([a, b]) => (
                    <circle key={a} className="dot" cx={a} cy={b} r={2.5} />
                  ))}
                </g>
              );
            })}
        {p.times.map((t, i) => (
          <rect key={t} className="hit" x={x(t)} width={Math.max(bw, 4)} y={PAD.top} height={PH}>
            <title>{`${p.when(t)}\n${p.series.map((s) => `${s.name}: ${s.values[i] === null || s.values[i] === undefined ? "—" : p.format(s.values[i]!)}`).join("\n")}`}</title>
          </rect>
        ))}
      </svg>
    </figure>
  );
}
