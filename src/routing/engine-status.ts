import type { HealthState, TargetState } from "./health.ts";

/**
 * What `GET /api/engine` answers (server/api/engine.ts builds it): the engine's health as the UI's
 * Overview shows it. Names and states only: where a key comes from is a variable or file name,
 * never the key.
 */
export interface EngineStatus {
  version: string;
  uptime_s: number;
  traces: SinkView;
  /** Every alias of config.json, its targets in order, each with its health and whether it can be called. */
  aliases: AliasView[];
  /** Providers whose credentials are there now, in the registry's order. */
  providers: ReadyProvider[];
  /** Every target that failed since its last success, aliases' or not (a direct provider/model), as /health has them. */
  failing_targets: Record<string, TargetState>;
}

/** A provider the engine can call, and where its key comes from (a variable or file name); null for one that needs none. */
export interface ReadyProvider {
  name: string;
  key_source: string | null;
}

export interface SinkView {
  /** "file", "clickhouse", or "off". */
  sink: string;
  /** "ok" or "failing" (writes being retried) for the local store; ClickHouse's own state (connecting, ok, down, replaying); "off". */
  state: string;
  queued: number;
  written: number;
  dropped: number;
  /** Traces waiting on disk for ClickHouse to come back; null for other sinks. */
  spooled_rows: number | null;
  /** The sink's last error, for an admin token only (it can name internal hosts); null otherwise. */
  last_error: string | null;
}

export interface AliasView {
  name: string;
  strategy: "fallback" | "weighted";
  targets: AliasTargetView[];
}

export interface AliasTargetView {
  /** `provider/model`, or the name of another alias (whose own targets are listed under it). */
  ref: string;
  weight: number | null;
  /** Another alias, not a model: it has no health of its own. */
  alias: boolean;
  /** A model whose provider has its credentials; always true for an alias. */
  callable: boolean;
  state: HealthState;
  consecutive_failures: number;
  cooling_until: string | null;
  last_error: string | null;
}

const NEVER_FAILED: TargetState = { state: "ok", consecutive_failures: 0, cooling_until: null, last_error: null };

/** An alias as config.json has it (config/schema.ts `Alias`), by shape: the UI's type check must not pull in the config's modules. */
interface AliasConfig {
  strategy?: "fallback" | "weighted";
  targets: (string | { model: string; weight?: number })[];
}

/** config.json's aliases with each target's health now; `callable` is false for a target whose provider has no key. */
export function aliasViews(aliases: Record<string, AliasConfig>, health: (ref: string) => TargetState, ready: ReadonlySet<string>): AliasView[] {
  return Object.entries(aliases).map(([name, a]) => ({
    name,
    strategy: a.strategy ?? "fallback",
    targets: a.targets.map((t) => {
      const ref = typeof t === "string" ? t : t.model;
      const weight = typeof t === "string" ? null : (t.weight ?? null);
      // A target without a slash names another alias (config.json is checked for that on load).
      if (!ref.includes("/")) return { ref, weight, alias: true, callable: true, ...NEVER_FAILED };
      return { ref, weight, alias: false, callable: ready.has(ref.slice(0, ref.indexOf("/"))), ...health(ref) };
    }),
  }));
}

/** The writer's status (`TraceWriter.status()`, the sink's fields spread in) as the Overview shows it. */
export function sinkView(status: Record<string, unknown>, admin: boolean): SinkView {
  const sink = String(status.sink ?? "custom");
  const num = (v: unknown) => (typeof v === "number" ? v : 0);
  const state = sink === "off" ? "off" : typeof status.state === "string" ? status.state : status.failing ? "failing" : "ok";
  return {
    sink,
    state,
    queued: num(status.queued),
    written: num(status.written),
    dropped: num(status.dropped),
    spooled_rows: typeof status.spooled_rows === "number" ? status.spooled_rows : null,
    last_error: admin && typeof status.last_error === "string" ? status.last_error : null,
  };
}
