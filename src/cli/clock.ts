/** Times as the person at the terminal reads them: local, to the second. */

const pad2 = (n: number) => String(n).padStart(2, "0");

/** Local wall-clock time, the way a person watching the terminal thinks of "now". */
export function clockTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "--:--:--";
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** Local date and time: piped output is read later, when the day matters too. */
export function localDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${clockTime(iso)}`;
}
