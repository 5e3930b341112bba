// The things measured side by side, each started once and then called with the same
// conversation against the same mock. Anything that cannot run here says why instead.

import { join } from "node:path";
import { startEngine, ROOT } from "./engine.ts";
import type { Dialect, Mode, TargetId } from "./options.ts";
import { freePort, spawnServer, type Child } from "./spawn.ts";
import {
  anthropicBody,
  ANTHROPIC_HEADERS,
  dialectPath,
  JSON_CT,
  MODELS,
  openaiBody,
  OPENAI_HEADERS,
  scenario,
  type Expectation,
  type HttpRequest,
} from "./workload.ts";

export const LABELS: Record<TargetId, string> = {
  direct: "(a) direct to mock",
  bunproxy: "(b) minimal Bun proxy",
  "bunproxy-js": "(h) minimal Bun proxy, answer through a JS stream",
  "bunproxy-parse": "(i) minimal Bun proxy, answer parsed (SSE events, JSON)",
  opentracy: "(c) opentracy, local traces",
  "opentracy-ch": "(d) opentracy, ClickHouse traces",
  "opentracy-off": "(g) opentracy, traces off",
  portkey: "(e) Portkey gateway (Node)",
  "portkey-bun": "(f) Portkey gateway on Bun",
};

export interface Target {
  id: TargetId;
  label: string;
  /** the process whose CPU and memory are the target's cost */
  pid: number;
  /** a server the target hands work to on another core (ClickHouse for (d)): its CPU is reported apart */
  helperPid?: number;
  request(dialect: Dialect, mode: Mode): HttpRequest;
  expect(dialect: Dialect): Expectation;
  /** what the process printed, to explain failures in the report */
  output(): string;
  stop(): Promise<void>;
}

export interface TargetContext {
  /** origin of the shared upstream mock */
  upstream: string;
  chunks: number;
  /** core for the system under test */
  core: number | null;
  /** URL for --clickhouse (and the server's pid when this machine runs it), or why ClickHouse tracing cannot be measured */
  clickhouse: { url: string; pid?: number } | { unavailable: string };
}

export type Started = Target | { id: TargetId; unavailable: string };

const native =
  (base: string, chunks: number) =>
  (dialect: Dialect, mode: Mode): HttpRequest => ({
    url: `${base}${scenario(chunks)}${dialectPath(dialect)}`,
    headers: dialect === "openai" ? OPENAI_HEADERS : ANTHROPIC_HEADERS,
    body: dialect === "openai" ? openaiBody(MODELS.openai, mode) : anthropicBody(MODELS.anthropic, mode),
  });

function fromChild(id: TargetId, child: Child, request: Target["request"], expect: Target["expect"]): Target {
  return { id, label: LABELS[id], pid: child.pid, request, expect, output: () => child.output(), stop: () => child.stop() };
}

async function startMockTarget(ctx: TargetContext): Promise<Target> {
  // The limit gets a mock of its own on the system-under-test core, so "direct" is the same
  // server program with the same core to itself that every gateway gets.
  const child = await spawnServer({
    name: "direct mock",
    cmd: [process.execPath, join(import.meta.dir, "mock-upstream.ts")],
    core: ctx.core,
    ready: /listening on (http:\/\/[^\s]+)/,
  });
  return fromChild("direct", child, native(child.url, ctx.chunks), (d) => ({ shape: d, extras: false }));
}

const PROXY_FLAGS = { bunproxy: [], "bunproxy-js": ["--js-stream"], "bunproxy-parse": ["--parse"] };

async function startBunProxy(id: keyof typeof PROXY_FLAGS, ctx: TargetContext): Promise<Target> {
  const child = await spawnServer({
    name: LABELS[id],
    cmd: [process.execPath, join(import.meta.dir, "bun-proxy.ts"), "--upstream", ctx.upstream, ...PROXY_FLAGS[id]],
    core: ctx.core,
    ready: /listening on (http:\/\/[^\s]+)/,
  });
  return fromChild(id, child, native(child.url, ctx.chunks), (d) => ({ shape: d, extras: false }));
}

async function startOpentracy(id: "opentracy" | "opentracy-ch" | "opentracy-off", ctx: TargetContext): Promise<Started> {
  let args: string[] = [];
  if (id === "opentracy-ch") {
    if ("unavailable" in ctx.clickhouse) return { id, unavailable: ctx.clickhouse.unavailable };
    args = ["--clickhouse", ctx.clickhouse.url];
  }
  // Traces off: the same engine minus tracing, so what tracing costs can be read off.
  const env = id === "opentracy-off" ? { OPENTRACY_TRACES: "off" } : undefined;
  const engine = await startEngine({ name: LABELS[id], upstream: ctx.upstream, chunks: ctx.chunks, core: ctx.core, args, env });
  const target = fromChild(
    id,
    engine,
    (dialect, mode) => ({
      url: `${engine.url}/v1/chat/completions`,
      headers: JSON_CT,
      body: openaiBody(`${dialect}/${MODELS[dialect]}`, mode),
    }),
    () => ({ shape: "openai", extras: true }),
  );
  if (id === "opentracy-ch" && "url" in ctx.clickhouse) target.helperPid = ctx.clickhouse.pid;
  return target;
}

/**
 * Portkey as `npx @portkey-ai/gateway` runs it (Node), and the same build on Bun: the second
 * separates what is Portkey's own work from what is Node's, since opentracy runs on Bun.
 */
async function startPortkey(id: "portkey" | "portkey-bun", ctx: TargetContext): Promise<Started> {
  const script = join(ROOT, "node_modules/@portkey-ai/gateway/build/start-server.js");
  if (!(await Bun.file(script).exists())) return { id, unavailable: "@portkey-ai/gateway is not installed (run npm ci)" };
  const runtime = id === "portkey" ? Bun.which("node") : process.execPath;
  if (!runtime) return { id, unavailable: "node is not on PATH" };
  const port = freePort();
  const child = await spawnServer({
    name: id,
    // --headless: no web UI; the gateway itself is unchanged.
    cmd: [runtime, script, `--port=${port}`, "--headless"],
    cwd: ROOT,
    core: ctx.core,
    env: { ...process.env, NODE_ENV: "production" },
    ready: /(http:\/\/localhost:\d+)/,
    mapUrl: (u) => u.replace("localhost", "127.0.0.1"),
  });
  return fromChild(
    id,
    child,
    (dialect, mode) => ({
      url: `${child.url}/v1/chat/completions`,
      headers: {
        ...JSON_CT,
        authorization: "Bearer sk-bench",
        "x-portkey-provider": dialect,
        // Portkey appends /chat/completions (openai) or /messages (anthropic) to the custom host.
        "x-portkey-custom-host": `${ctx.upstream}${scenario(ctx.chunks)}/v1`,
      },
      body: openaiBody(MODELS[dialect], mode),
    }),
    () => ({ shape: "openai", extras: false }),
  );
}

export async function startTarget(id: TargetId, ctx: TargetContext): Promise<Started> {
  try {
    switch (id) {
      case "direct":
        return await startMockTarget(ctx);
      case "bunproxy":
      case "bunproxy-js":
      case "bunproxy-parse":
        return await startBunProxy(id, ctx);
      case "opentracy":
      case "opentracy-ch":
      case "opentracy-off":
        return await startOpentracy(id, ctx);
      case "portkey":
      case "portkey-bun":
        return await startPortkey(id, ctx);
    }
  } catch (e: any) {
    return {
      id,
      unavailable: `failed to start: ${String(e?.message ?? e)
        .split("\n")
        .slice(0, 3)
        .join(" ")}`,
    };
  }
}
