/**
 * `table[key]` for the table's own entries only. Keys come from clients and upstreams, and a plain
 * object answers "constructor" or "toString" with a function; that once made a 500 of a request.
 */
export const lookup = <T>(table: Readonly<Record<string, T>>, key: string): T | undefined => (Object.hasOwn(table, key) ? table[key] : undefined);
