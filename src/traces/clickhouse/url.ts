import { z } from "zod";

/**
 * Where traces go when ClickHouse is configured: `http[s]://user:password@host:port/database`.
 * The password is a credential: everything meant for people (logs, /health, errors) uses
 * `display`, and `scrub` removes it from any text that came back from the network.
 */
export interface ClickHouseTarget {
  /** scheme://host:port, no credentials */
  origin: string;
  username: string;
  password: string;
  database: string;
  /** The URL with the password replaced by `***`. */
  display: string;
}

export const DEFAULT_DATABASE = "opentracy";

const Database = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "the database name (the URL's path) must be letters, digits and '_'");

/** Parses without ever putting the raw URL into an error message: it may hold a password. */
export function parseClickHouseUrl(raw: string): ClickHouseTarget {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error("not a URL; expected http[s]://user:password@host:8123/database");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new Error(`unsupported scheme '${u.protocol.replace(/:$/, "")}'; ClickHouse's HTTP interface is http or https`);
  }
  const path = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, ""));
  const database = path === "" ? DEFAULT_DATABASE : path;
  const checked = Database.safeParse(database);
  if (!checked.success) throw new Error(checked.error.issues[0].message);
  const username = decodeURIComponent(u.username) || "default";
  const password = decodeURIComponent(u.password);
  const origin = `${u.protocol}//${u.host}`;
  const userPart = u.username ? `${u.username}${u.password ? ":***" : ""}@` : "";
  return { origin, username, password, database, display: `${u.protocol}//${userPart}${u.host}/${database}` };
}

/** `raw` with its password masked, for messages about a URL that may not even parse. */
export function maskUrl(raw: string): string {
  try {
    return parseClickHouseUrl(raw).display;
  } catch {
    return raw.replace(/(\/\/[^/@:\s]*:)[^/@\s]*@/, "$1***@");
  }
}

/** Removes the password (raw and URL-encoded) from text such as a driver's error message. */
export function scrub(text: string, target: Pick<ClickHouseTarget, "password">): string {
  let out = text;
  for (const secret of new Set([target.password, encodeURIComponent(target.password)])) {
    if (secret.length >= 3) out = out.split(secret).join("***");
  }
  return out.replace(/(\/\/[^/@:\s]*:)[^/@\s]*@/g, "$1***@");
}

/** A ClickHouse failure in one line for the terminal: where (without the password), then the error's first line, scrubbed. */
export function clickHouseProblem(e: unknown, target: Pick<ClickHouseTarget, "display" | "password">): string {
  return `ClickHouse at ${target.display}: ${scrub(String((e as Error)?.message ?? e).split("\n")[0], target)}`;
}

/**
 * `--clickhouse` flag, then OPENTRACY_CLICKHOUSE_URL, then config.json `traces.clickhouse_url`:
 * the most specific intent wins, as for the listen address. An empty value counts as unset.
 */
export function resolveClickHouseUrl(flag: string | undefined, env: NodeJS.ProcessEnv, configured: string | undefined): string | undefined {
  for (const v of [flag, env.OPENTRACY_CLICKHOUSE_URL, configured]) if (v !== undefined && v.trim() !== "") return v.trim();
  return undefined;
}
