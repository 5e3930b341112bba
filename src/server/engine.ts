import { LiveSettings } from "../config/live.ts";
import { listenAddress } from "../config/address.ts";
import type { Paths } from "../config/paths.ts";
import type { ClickHouseClient } from "@clickhouse/client";
import { join } from "node:path";
import { httpInserter } from "../traces/clickhouse/insert.ts";
import { createTraceClient } from "../traces/clickhouse/client.ts";
import { DiscardSink } from "../traces/discard-sink.ts";
import { ClickHouseSink } from "../traces/clickhouse/sink.ts";
import { parseClickHouseUrl, resolveClickHouseUrl, scrub, DEFAULT_DATABASE } from "../traces/clickhouse/url.ts";
import { FileSink, type TraceSink } from "../traces/file-sink.ts";
import { TraceWriter, type ContentPolicy } from "../traces/writer.ts";
import { LocalIndex } from "../traces/local-index/index.ts";
import { LocalTraceQueries } from "../traces/local-index/queries.ts";
import { ClickHouseTraceQueries } from "../traces/clickhouse/queries.ts";
import { SharedFeed } from "../settings/shared-feed.ts";
import { EngineMetrics } from "../telemetry/metrics.ts";
import { budgetUse, TokenGuard } from "../budgets/guard.ts";
import type { TokenEntry } from "../auth/tokens.ts";
import { OtlpExport, otlpConfig } from "../telemetry/otlp.ts";
import { SharedSettingsStore } from "../settings/shared-store.ts";
import type { TraceQueries } from "../traces/queries.ts";
import { LiveFeed } from "../traces/live-feed.ts";
import { describeHealthChange, TargetHealth } from "../routing/health.ts";
import { DEFAULT_COOLDOWN } from "../routing/policy.ts";
import { NETWORK, type UpstreamAccess } from "../routing/attempt.ts";
import { type CassetteFetch, type CassetteMode, cassetteFetch } from "../cassettes/mode.ts";
import { VERSION } from "../version.ts";
import { Admission } from "./admission.ts";
import type { RequestLog } from "./request-log.ts";
import { isLoopback, type AuthPolicy } from "./auth.ts";
import { DEFAULT_LIMITS, type Limits } from "./limits.ts";
import type { ToPrimary, WorkerIdentity } from "./workers/messages.ts";
import { PrimaryLink } from "./workers/primary-link.ts";
import { PrimarySink } from "./workers/primary-sink.ts";

export interface Engine {
  settings: LiveSettings;
  /** Where keys, aliases and tokens changes go when ClickHouse is configured (every engine on it shares them). */
  shared: SharedSettingsStore | null;
  sharedFeed: SharedFeed | null;
  writer: TraceWriter;
  /** What /api/ reads: the store the writer writes to; null when traces are off. */
  queries: TraceQueries | null;
  env: NodeJS.ProcessEnv;
  limits: Limits;
  /** Host and port (unparsed) from the flags, environment and config.json. */
  address: { host: string; port: string };
  auth: AuthPolicy;
  corsOrigins: readonly string[];
  /** Requests admitted and not yet finished (their trace not yet recorded). */
  admission: Admission;
  contentPolicy(): ContentPolicy;
  startedAt: number;
  /** Per-target cooldowns; per process, reported in /health. */
  health: TargetHealth;
  /** The terminal's line per request; null when quiet. */
  requestLog: RequestLog | null;
  /** Prometheus metrics for /metrics, counted from the trace records the writer queues. */
  metrics: EngineMetrics;
  /** OpenTelemetry spans for each call, when an OTLP endpoint is configured. */
  otlp: OtlpExport | null;
  /** Finished traces for /api/traces/live (the UI's live view). */
  liveFeed: LiveFeed;
  /** Per-token expiry, spend budgets and rate limits, with the spend ledger they are checked against. */
  tokenGuard: TokenGuard;
  /** Stops the periodic reload of the spend ledger from ClickHouse (a no-op without one). */
  stopSpendRefresh(): void;
  /** Set in a worker of `serve --workers`: which one, and its channel to the primary. */
  worker: { identity: WorkerIdentity; link: PrimaryLink } | null;
  /** The trace writer's state: this engine's, or in a worker the primary's (which writes its traces). */
  traceStatus(): Promise<Record<string, unknown>>;
  /** How attempts reach the upstreams: the network, or a cassette recording or replaying it. */
  upstream: UpstreamAccess;
  /** The cassette mode (for the start-up summary); null without one. */
  cassette: Pick<CassetteFetch, "summary" | "offline" | "recording" | "settled"> | null;
}

/** With ClickHouse, how often the spend ledger takes in the other engines' calls (OPENTRACY_SPEND_REFRESH_MS overrides). */
export const SPEND_REFRESH_MS = 10_000;

const envFlag = (v: string | undefined): boolean | undefined => (v === undefined || v === "" ? undefined : !/^(0|false|no|off)$/i.test(v));

export interface EngineOptions {
  /** One line per request on the terminal (`serve`, unless --quiet). */
  requestLog?: RequestLog | null;
  /** Accept any key without tokens even off loopback (`serve --insecure-no-auth`). */
  insecureNoAuth?: boolean;
  /** `serve --host/--port`; without tokens only a loopback host is open. */
  listen?: { host?: string; port?: string };
  /** `serve --clickhouse URL`: wins over OPENTRACY_CLICKHOUSE_URL and config.json. */
  clickhouseUrl?: string;
  /** A ready client (an embedded chDB in tests and benchmarks) instead of one built from a URL. */
  clickhouseClient?: { client: ClickHouseClient; database?: string; display?: string };
  /**
   * `serve --workers`: a worker's traces go to the primary over `send`, and its metrics and
   * spans are the primary's; the primary (`primary: true`) writes what the workers send as sent.
   */
  worker?: { identity: WorkerIdentity; send: (m: ToPrimary) => void };
  primary?: boolean;
  /** `serve --record DIR` / `--replay DIR`: upstream answers go to, or come from, a cassette (src/cassettes/). */
  cassette?: CassetteMode;
}

/** Thrown for a ClickHouse URL that cannot be used; the message never contains the password. */
export class TraceTargetError extends Error {}

interface Store {
  sink: TraceSink;
  queries: TraceQueries | null;
  /** Keys, aliases and tokens shared by every engine on the same ClickHouse database; null without one. */
  shared: SharedSettingsStore | null;
}

async function chooseSink(p: Paths, env: NodeJS.ProcessEnv, settings: LiveSettings, log: (line: string) => void, opts: EngineOptions): Promise<Store> {
  const t = settings.current.config.traces;
  const common = {
    spoolDir: join(p.home, "spool", "clickhouse"),
    engineVersion: VERSION,
    ttlDays: t?.clickhouse_ttl_days ?? t?.retention_days,
    contentTtlDays: t?.content_retention_days,
    log,
  };
  const tracesOff = (envFlag(env.OPENTRACY_TRACES) ?? t?.enabled ?? true) === false;
  if (tracesOff) log("traces are off (OPENTRACY_TRACES / traces.enabled): nothing is recorded");
  // A worker of `serve --workers` sends its traces to the primary, which owns the real sink: a
  // worker must not build one (a ClickHouse sink's spool would scan, and may prune, the primary's
  // segments). It still reads the store (/api/traces) and the shared settings.
  const worker = opts.worker;
  const sinkFor = (real: () => TraceSink): TraceSink => (worker ? new PrimarySink(worker.send) : real());
  if (opts.clickhouseClient) {
    const { client, database = DEFAULT_DATABASE, display = "embedded ClickHouse" } = opts.clickhouseClient;
    const shared = new SharedSettingsStore(client, database, display);
    if (tracesOff) return { sink: new DiscardSink(), queries: null, shared };
    const sink = sinkFor(() => new ClickHouseSink({ ...common, client, database, display }));
    return { sink, queries: new ClickHouseTraceQueries(client, database), shared };
  }
  const raw = resolveClickHouseUrl(opts.clickhouseUrl, env, t?.clickhouse_url);
  if (raw === undefined) {
    if (tracesOff) return { sink: new DiscardSink(), queries: null, shared: null };
    const index = new LocalIndex(p.traces, join(p.traces, "index.sqlite"), log);
    return { sink: sinkFor(() => new FileSink(p.traces, t?.max_file_bytes)), queries: new LocalTraceQueries(index), shared: null };
  }
  let target;
  try {
    target = parseClickHouseUrl(raw);
  } catch (e: any) {
    throw new TraceTargetError(`invalid ClickHouse URL: ${e.message}`);
  }
  const client = await createTraceClient(target, { timeoutMs: t?.clickhouse_timeout_ms });
  const shared = new SharedSettingsStore(client, target.database, target.display);
  if (tracesOff) return { sink: new DiscardSink(), queries: null, shared };
  const sink = sinkFor(() => {
    log(`traces go to ClickHouse at ${target.display} (spool: ${common.spoolDir})`);
    return new ClickHouseSink({
      ...common,
      client,
      insert: httpInserter(target, t?.clickhouse_timeout_ms),
      database: target.database,
      display: target.display,
      scrub: (text) => scrub(text, target),
    });
  });
  return { sink, queries: new ClickHouseTraceQueries(client, target.database), shared };
}

export async function createEngine(p: Paths, env: NodeJS.ProcessEnv, log: (line: string) => void, opts: EngineOptions = {}): Promise<Engine> {
  // First: a replay folder that cannot be read stops the start before anything else is opened.
  const cassette = opts.cassette ? cassetteFetch(opts.cassette, log) : null;
  const settings = await LiveSettings.load(p, env, log);
  // The environment wins over config.json, as for keys: it is the more specific, per-run intent.
  const contentPolicy = (): ContentPolicy => {
    const t = settings.current.config.traces;
    return {
      content: envFlag(env.OPENTRACY_TRACE_CONTENT) ?? t?.content ?? true,
      redact: envFlag(env.OPENTRACY_TRACE_REDACT) ?? t?.redact ?? false,
    };
  };
  const { sink, queries, shared } = await chooseSink(p, env, settings, log, opts);
  const sharedFeed = shared ? new SharedFeed(shared, settings, log) : null;
  if (sharedFeed) {
    log(`keys, aliases and tokens are shared through ClickHouse at ${shared!.display}`);
    await sharedFeed.start();
  }
  const t = settings.current.config.traces;
  // A worker applied the content policy before sending: what reaches the primary is stored as it is.
  const writerPolicy = opts.primary ? () => ({ content: true, redact: false }) : contentPolicy;
  const writer = new TraceWriter(sink, writerPolicy, { log, flushMs: t?.flush_ms, batchSize: t?.batch_size });
  const health = new TargetHealth(
    () => ({ ...DEFAULT_COOLDOWN, ...settings.current.config.routing?.cooldown }),
    (ref, state) => log(describeHealthChange(ref, state)),
  );
  // Token names are unique among live tokens; the index is rebuilt on each reload, so is this map.
  let namesOf: { index: unknown; byName: Map<string, TokenEntry> } | null = null;
  const byName = () => {
    const index = settings.current.tokens;
    if (namesOf?.index !== index) namesOf = { index, byName: new Map([...index.values()].map((e) => [e.name, e])) };
    return namesOf.byName;
  };
  const tokenGuard = new TokenGuard(byName);
  // The ledger starts from the store: the spend of every token so far. With a budget in force that
  // happens before the first request; otherwise in the background (on a large local store the
  // index catches up first), merged with what the first requests add meanwhile.
  if (queries) {
    const failed = (e: unknown) => log(`could not read the tokens' spend from the trace store (${(e as Error).message}); spend counts from 0`);
    if ([...byName().values()].some((e) => e.budget)) await tokenGuard.ledger.load(queries).catch(failed);
    else void tokenGuard.ledger.load(queries, true).catch(failed);
  } else if ([...byName().values()].some((e) => e.budget || e.tpm)) {
    log("traces are off: tokens' spend budgets and tokens per minute are not counted (they are counted from the trace records)");
  }
  let spendTimer: ReturnType<typeof setInterval> | null = null;
  if (queries instanceof ClickHouseTraceQueries) {
    const every = Number(env.OPENTRACY_SPEND_REFRESH_MS) || SPEND_REFRESH_MS;
    let failing = false;
    spendTimer = setInterval(() => {
      tokenGuard.ledger.load(queries, true).then(
        () => (failing = false),
        (e) => {
          if (!failing) log(`spend refresh from ClickHouse failed (${(e as Error).message}); budgets use this engine's own count meanwhile`);
          failing = true;
        },
      );
    }, every);
    spendTimer.unref?.();
  }
  const otlpTarget = opts.worker ? null : otlpConfig(env);
  const otlp = otlpTarget ? new OtlpExport(otlpTarget, contentPolicy) : null;
  if (otlpTarget) log(`spans go to ${new URL(otlpTarget.url).origin} over OTLP/HTTP${otlpTarget.content ? ", with content" : ""}`);
  const metrics = new EngineMetrics({
    // The primary routes nothing: its cooldowns would always be empty (each worker adds its own).
    ...(opts.primary ? {} : { targets: () => health.snapshot() }),
    writer: () => writer.status(),
    ...(otlp ? { spansDropped: () => otlp.dropped } : {}),
    budgets: () => {
      const out: { token: string; period: string; ratio: number }[] = [];
      for (const entry of byName().values()) {
        for (const b of budgetUse(entry, tokenGuard.ledger.get(entry.name))) out.push({ token: entry.name, period: b.period, ratio: b.ratio });
      }
      return out;
    },
  });
  // Every finished record, once: the metrics, the tokens' spend and tokens per minute, the spans.
  writer.observer = opts.worker
    ? tokenGuard.observe
    : (record) => {
        metrics.observe(record);
        tokenGuard.observe(record);
        otlp?.observe(record);
      };
  const liveFeed = new LiveFeed();
  let worker: Engine["worker"] = null;
  if (opts.worker) {
    const { identity, send } = opts.worker;
    worker = {
      identity,
      link: new PrimaryLink(send, { observeSpend: tokenGuard.observe, publishRow: (row) => liveFeed.publishRow(row), flush: () => writer.flush() }),
    };
    liveFeed.onListening = (on) => send({ t: "live", on });
  }
  const s = settings.current.config.server;
  const address = listenAddress(s, env, opts.listen);
  const maxConcurrent = s?.max_concurrent_requests ?? DEFAULT_LIMITS.maxConcurrent;
  return {
    settings,
    shared,
    sharedFeed,
    writer,
    queries,
    env,
    limits: {
      maxBodyBytes: s?.max_body_bytes ?? DEFAULT_LIMITS.maxBodyBytes,
      maxMessages: s?.max_messages ?? DEFAULT_LIMITS.maxMessages,
      maxJsonDepth: s?.max_json_depth ?? DEFAULT_LIMITS.maxJsonDepth,
      maxConcurrent,
      requestTimeoutMs: s?.request_timeout_ms ?? DEFAULT_LIMITS.requestTimeoutMs,
      maxResponseBytes: s?.max_response_bytes ?? DEFAULT_LIMITS.maxResponseBytes,
    },
    address,
    auth: { openWithoutTokens: opts.insecureNoAuth === true || isLoopback(address.host) },
    corsOrigins: s?.cors_origins ?? [],
    admission: new Admission(maxConcurrent),
    contentPolicy,
    startedAt: Date.now(),
    health,
    metrics,
    otlp,
    requestLog: opts.requestLog ?? null,
    liveFeed,
    worker,
    traceStatus: async () => (worker ? worker.link.ask<Record<string, unknown>>("traces_status") : writer.status()),
    tokenGuard,
    stopSpendRefresh: () => {
      if (spendTimer) clearInterval(spendTimer);
    },
    upstream: cassette ?? NETWORK,
    cassette,
  };
}
