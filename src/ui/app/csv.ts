// Comma-separated values (RFC 4180) built in the browser from the rows on screen: a header line,
// then one line per row, numbers as the API gave them (no "$", no "1.2k"), lines ending CRLF.

type Cell = string | number | null;

function cell(v: Cell): string {
  if (v === null) return "";
  if (typeof v === "number") return String(v);
  // A text cell a spreadsheet would run as a formula gets a leading apostrophe (OWASP's advice).
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(header: string[], rows: Cell[][]): string {
  return `${[header, ...rows].map((r) => r.map(cell).join(",")).join("\r\n")}\r\n`;
}
