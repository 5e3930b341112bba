import { statSync, watch, type FSWatcher } from "node:fs";
import { basename } from "node:path";
import { indexTokens, TokenFile, type TokenIndex } from "../auth/tokens.ts";
import { ConfigFileError, readJsonFile } from "./files.ts";
import type { Paths } from "./paths.ts";
import { Config, Secrets } from "./schema.ts";
import { describeSettingsChange } from "./settings-diff.ts";

export interface Settings {
  config: Config;
  secrets: Secrets;
  /** Active engine API tokens by id; empty when none are configured. */
  tokens: TokenIndex;
}

/** Keys readable by other users are refused outright: the fix is one command, the leak is not undoable. */
function checkPrivate(path: string): void {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    return;
  }
  if (mode & 0o077) throw new ConfigFileError(`${path} is readable by other users (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${path}`);
}

export function loadSettings(p: Paths): Settings {
  checkPrivate(p.secrets);
  checkPrivate(p.tokens);
  return {
    config: readJsonFile(p.config, Config, {}),
    secrets: readJsonFile(p.secrets, Secrets, {}),
    tokens: indexTokens(readJsonFile(p.tokens, TokenFile, { tokens: [] })),
  };
}

/**
 * The engine's view of config.json and secrets.json. Requests read `current` (no disk I/O on
 * the request path); a watcher on the home folder reloads on change. A file that turns bad while
 * serving is reported and ignored: the engine keeps the last good settings rather than stop.
 */
export class LiveSettings {
  current: Settings;
  private watcher: FSWatcher | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly p: Paths,
    private readonly log: (line: string) => void,
  ) {
    this.current = loadSettings(p);
  }

  watch(): void {
    const names = new Set([basename(this.p.config), basename(this.p.secrets), basename(this.p.tokens)]);
    // Watching the folder, not the files: atomic writes replace the file, which a file watch misses.
    this.watcher = watch(this.p.home, (_event, name) => {
      if (name && !names.has(String(name))) return;
      // Editors and atomic writers emit several events per save; reload once they settle.
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.reload(), 25);
    });
  }

  reload(): void {
    this.timer = null;
    try {
      const before = this.current;
      this.current = loadSettings(this.p);
      const changes = describeSettingsChange(before, this.current);
      // Editors touch files without changing them; only a real change is worth a line.
      if (changes.length) this.log(`settings reloaded: ${changes.join("; ")}`);
    } catch (e: any) {
      this.log(`${e?.message ?? e}; keeping the last good settings`);
    }
  }

  close(): void {
    this.watcher?.close();
    if (this.timer) clearTimeout(this.timer);
  }
}
