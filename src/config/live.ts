import { statSync, watch, type FSWatcher } from "node:fs";
import { basename } from "node:path";
import { indexTokens, TokenFile, type TokenIndex } from "../auth/tokens.ts";
import { ConfigFileError, readJsonFile } from "./files.ts";
import type { Paths } from "./paths.ts";
import { Config, Secrets } from "./schema.ts";
import { describeSettingsChange } from "./settings-diff.ts";
import { openStoredSecrets } from "../settings/provider-keys.ts";
import type { SharedSnapshot } from "../settings/shared-store.ts";
import { sealedFilePath } from "../settings/sealed-file.ts";
import { masterKeyFile } from "../settings/master-key.ts";
import { SealError } from "../settings/seal.ts";
import type { KeyStore } from "../providers/credentials.ts";

export interface Settings {
  config: Config;
  /** Provider credentials in use, by secret name: the sealed store's, else secrets.json's (settings/provider-keys.ts). */
  secrets: Secrets;
  /** The names in `secrets` that came from a sealed store, and which one. */
  sealed: ReadonlyMap<string, KeyStore>;
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

/**
 * The files under OPENTRACY_HOME, with the shared ClickHouse settings (when configured) laid over
 * them: a shared alias or key wins over the file's of the same name, tokens are the union.
 * Plaintext keys exist only in the object this returns: sealed ones are opened here, in memory.
 */
export async function loadSettings(p: Paths, env: NodeJS.ProcessEnv = process.env, shared?: SharedSnapshot, sharedWhere = "ClickHouse"): Promise<Settings> {
  checkPrivate(p.secrets);
  checkPrivate(p.tokens);
  checkPrivate(sealedFilePath(p));
  let config = readJsonFile(p.config, Config, {});
  const file = readJsonFile(p.secrets, Secrets, {});
  const tokenFile = readJsonFile(p.tokens, TokenFile, { tokens: [] });
  if (shared && Object.keys(shared.aliases).length) {
    // Checked as a whole: a shared alias may name a file alias, and no chain may loop.
    const merged = Config.safeParse({ ...config, aliases: { ...config.aliases, ...shared.aliases } });
    if (!merged.success) {
      const issue = merged.error.issues[0]!;
      throw new ConfigFileError(`shared settings in ${sharedWhere}: field ${issue.path.map(String).join(".")}: ${issue.message}`);
    }
    config = merged.data;
  }
  const tokens = indexTokens({ tokens: [...tokenFile.tokens, ...(shared?.tokens ?? [])] });
  try {
    const { secrets, sealed } = await openStoredSecrets(p, env, file, shared ? { secrets: shared.secrets, where: sharedWhere } : undefined);
    return { config, secrets, sealed, tokens };
  } catch (e) {
    // A key that does not open is refused by name: sending garbage upstream would look like a bad key.
    if (e instanceof SealError) throw new ConfigFileError(e.message);
    throw e;
  }
}

/**
 * The engine's view of config.json and secrets.json. Requests read `current` (no disk I/O on
 * the request path); a watcher on the home folder reloads on change. A file that turns bad while
 * serving is reported and ignored: the engine keeps the last good settings rather than stop.
 */
export class LiveSettings {
  private watcher: FSWatcher | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The shared ClickHouse settings, once attached (settings/shared-feed.ts). */
  private shared: { snapshot: SharedSnapshot; where: string } | null = null;
  /** Reloads run one at a time: a slow one must not land after a newer one. */
  private reloading: Promise<void> = Promise.resolve();

  private constructor(
    readonly paths: Paths,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (line: string) => void,
    public current: Settings,
  ) {}

  static async load(p: Paths, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<LiveSettings> {
    return new LiveSettings(p, env, log, await loadSettings(p, env));
  }

  watch(): void {
    const names = new Set([
      basename(this.paths.config),
      basename(this.paths.secrets),
      basename(this.paths.tokens),
      basename(sealedFilePath(this.paths)),
      basename(masterKeyFile(this.paths)),
    ]);
    // Watching the folder, not the files: atomic writes replace the file, which a file watch misses.
    this.watcher = watch(this.paths.home, (_event, name) => {
      if (name && !names.has(String(name))) return;
      // Editors and atomic writers emit several events per save; reload once they settle.
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.reload(), 25);
    });
  }

  /** Lays a new snapshot of the shared settings over the files; the returned promise settles once it is in force (or refused and logged). */
  applyShared(snapshot: SharedSnapshot, where: string): Promise<void> {
    this.shared = { snapshot, where };
    return this.reload();
  }

  reload(): Promise<void> {
    this.timer = null;
    this.reloading = this.reloading.then(async () => {
      try {
        const before = this.current;
        this.current = await loadSettings(this.paths, this.env, this.shared?.snapshot, this.shared?.where);
        const changes = describeSettingsChange(before, this.current);
        // Editors touch files without changing them; only a real change is worth a line.
        if (changes.length) this.log(`settings reloaded: ${changes.join("; ")}`);
      } catch (e: any) {
        this.log(`${e?.message ?? e}; keeping the last good settings`);
      }
    });
    return this.reloading;
  }

  close(): void {
    this.watcher?.close();
    if (this.timer) clearTimeout(this.timer);
  }
}
