import type { Paths } from "../config/paths.ts";
import type { SharedSettingsStore } from "./shared-store.ts";

/**
 * Where a change to keys, aliases and tokens goes: the files under OPENTRACY_HOME, or, when a
 * ClickHouse is configured, its shared tables (every engine on that database sees the change).
 * The CLI and the settings API both build one and hand it to the same functions.
 */
export interface SettingsTarget {
  p: Paths;
  env: NodeJS.ProcessEnv;
  shared: SharedSettingsStore | null;
}
