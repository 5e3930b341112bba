import type { Settings } from "./live.ts";

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Added, removed and changed names between two records, as "alias smart added". */
function named(what: string, before: Record<string, unknown>, after: Record<string, unknown>, out: string[]): void {
  for (const name of Object.keys(after)) {
    if (!Object.hasOwn(before, name)) out.push(`${what} ${name} added`);
    else if (!same(before[name], after[name])) out.push(`${what} ${name} changed`);
  }
  for (const name of Object.keys(before)) if (!Object.hasOwn(after, name)) out.push(`${what} ${name} removed`);
}

/**
 * What a reload changed, in a few words for the engine's log: aliases and keys by name (a key's
 * value never), the number of tokens, and which other sections of config.json moved. Settings read
 * only at start (the listen address, the trace store) are marked as such.
 */
export function describeSettingsChange(before: Settings, after: Settings): string[] {
  const out: string[] = [];
  named("alias", before.config.aliases, after.config.aliases, out);
  named("key", before.secrets, after.secrets, out);
  if (before.tokens.size !== after.tokens.size) out.push(`tokens ${before.tokens.size} → ${after.tokens.size}`);
  else if (!same([...before.tokens.keys()], [...after.tokens.keys()])) out.push("tokens changed");
  named("provider", before.config.providers, after.config.providers, out);
  for (const section of ["prices", "routing"] as const) {
    if (!same(before.config[section], after.config[section])) out.push(`${section} changed`);
  }
  for (const section of ["server", "traces"] as const) {
    if (!same(before.config[section], after.config[section])) out.push(`${section} changed (applies at the next start)`);
  }
  return out;
}
