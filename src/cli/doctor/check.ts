/**
 * One line of `opentracy doctor`. `ok` null is information (a provider without a key that nothing
 * uses); `blocking` failures are the ones that stop the engine from serving what is configured,
 * and they alone make the exit code 1.
 */
export interface Check {
  area: string;
  ok: boolean | null;
  blocking: boolean;
  message: string;
  /** For a failure: the exact command or edit that fixes it. */
  fix?: string;
  latency_ms?: number;
}

export const pass = (area: string, message: string, extra: Partial<Check> = {}): Check => ({ area, ok: true, blocking: false, message, ...extra });
export const fail = (area: string, message: string, fix: string, blocking = true): Check => ({ area, ok: false, blocking, message, fix });
export const info = (area: string, message: string, fix?: string): Check => ({ area, ok: null, blocking: false, message, ...(fix ? { fix } : {}) });
