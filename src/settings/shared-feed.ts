import type { LiveSettings } from "../config/live.ts";
import type { SharedSettingsStore } from "./shared-store.ts";

/** How often an engine asks the shared store whether anything changed: one tiny query, well inside the 5 s promise. */
export const POLL_MS = 1000;

/**
 * Keeps an engine's settings in step with the shared ClickHouse store: a cheap fingerprint query
 * each poll, the whole (small) table only when it moved. While ClickHouse cannot be reached the
 * engine serves from its last good copy, and says so once when it goes and once when it is back.
 */
export class SharedFeed {
  private timer: ReturnType<typeof setInterval> | null = null;
  private fingerprint: string | null = null;
  private down = false;
  private polling: Promise<void> | null = null;

  constructor(
    private readonly store: SharedSettingsStore,
    private readonly settings: LiveSettings,
    private readonly log: (line: string) => void,
    private readonly pollMs = POLL_MS,
  ) {}

  /** The first read, awaited so an engine starts with the shared settings when it can; then the polling. */
  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref?.();
  }

  poll(): Promise<void> {
    // One at a time: a slow ClickHouse must not stack up queries.
    this.polling ??= this.check().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private async check(): Promise<void> {
    try {
      const fp = await this.store.fingerprint();
      if (this.down) this.log(`shared settings in ${this.store.display} are reachable again`);
      this.down = false;
      if (fp === this.fingerprint) return;
      const snapshot = await this.store.read();
      this.fingerprint = snapshot.fingerprint;
      await this.settings.applyShared(snapshot, this.store.display);
    } catch (e: any) {
      if (!this.down) this.log(`shared settings in ${this.store.display} cannot be read (${e?.message ?? e}); serving with the last good copy`);
      this.down = true;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
