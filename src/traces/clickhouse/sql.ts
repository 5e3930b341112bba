/**
 * Values are inlined as SQL literals instead of server-side parameters because the older servers
 * this has to work with (Debian's 18.16) have no query parameters.
 */

/** A ClickHouse string literal: backslash and quote escaped, so any user text is inert. */
export function str(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

export function strList(values: readonly string[]): string {
  return `(${values.map(str).join(", ")})`;
}

/** `db`.`name`; names are validated where they enter (the URL's database, our own table names). */
export function qualified(database: string, name: string): string {
  return `\`${database}\`.\`${name}\``;
}
