// Numbers as people read them: "$0.0042", "1.2k", "340 ms". "—" where the engine does not know.

const DASH = "—";

export function usd(v: number | null | undefined): string {
  if (v === null || v === undefined) return DASH;
  if (v === 0) return "$0";
  if (v >= 1) return `$${v.toFixed(2)}`;
  if (v < 0.000001) return "<$0.000001";
  // Two significant digits keep a cheap call readable ($0.0042) without a wall of zeros.
  return `$${Number(v.toPrecision(2)).toFixed(Math.max(2, 1 - Math.floor(Math.log10(v))))}`;
}

export function count(v: number | null | undefined): string {
  if (v === null || v === undefined) return DASH;
  if (v < 1000) return String(v);
  const [n, unit] = v < 1e6 ? [v / 1e3, "k"] : v < 1e9 ? [v / 1e6, "M"] : [v / 1e9, "B"];
  return `${n >= 100 ? Math.round(n) : n.toFixed(1).replace(/\.0$/, "")}${unit}`;
}

export function tokens(v: number | null | undefined): string {
  return v === null || v === undefined ? DASH : `${count(v)} tokens`;
}

export function ms(v: number | null | undefined): string {
  if (v === null || v === undefined) return DASH;
  // An attempt refused locally takes a fraction of a millisecond: "0.4 ms", not "0 ms".
  if (v < 9.95) return `${Number(v.toFixed(1))} ms`;
  if (v < 1000) return `${Math.round(v)} ms`;
  if (v < 60_000) return `${(v / 1000).toFixed(1).replace(/\.0$/, "")} s`;
  return `${Math.floor(v / 60_000)} min ${Math.round((v % 60_000) / 1000)} s`;
}

export function percent(part: number, whole: number): string {
  if (whole === 0) return DASH;
  const p = (part / whole) * 100;
  return `${p === 0 || p >= 10 ? Math.round(p) : p.toFixed(1)}%`;
}

/** Today: the time alone; earlier: the date too. Local time, as the person reading it lives. */
export function when(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const time = d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  if (d.toDateString() === now.toDateString()) return time;
  return `${d.toLocaleDateString(undefined, { month: "short", day: "numeric" })} ${time}`;
}

/** How long the engine has been up, coarsely: "40 s", "12 min", "3 h 12 min", "2 d 4 h". */
export function uptime(seconds: number): string {
  if (seconds < 60) return `${Math.floor(seconds)} s`;
  const min = Math.floor(seconds / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
