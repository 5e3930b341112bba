import type { Config } from "../../config/schema.ts";
import { listenAddress } from "../../config/address.ts";
import { parseClickHouseUrl, resolveClickHouseUrl, scrub } from "../../traces/clickhouse/url.ts";
import { type Check, fail, info, pass } from "./check.ts";

const TIMEOUT_MS = 3000;

/** `SELECT 1` over ClickHouse's HTTP interface, when a URL is configured; the password never printed. */
export async function checkClickHouse(config: Config, env: NodeJS.ProcessEnv): Promise<Check> {
  const area = "clickhouse";
  const raw = resolveClickHouseUrl(undefined, env, config.traces?.clickhouse_url);
  if (!raw) return info(area, "not configured: traces go to the local store");
  let target: ReturnType<typeof parseClickHouseUrl>;
  try {
    target = parseClickHouseUrl(raw);
  } catch (e: any) {
    return fail(
      area,
      `the ClickHouse URL is invalid: ${e.message}`,
      "set OPENTRACY_CLICKHOUSE_URL (or traces.clickhouse_url) to http[s]://user:password@host:8123/database",
    );
  }
  // The engine keeps serving with ClickHouse down (traces wait in the spool), so this never blocks.
  const down = (why: string) =>
    fail(
      area,
      `${target.display} ${why}; the engine would serve and spool traces until it answers`,
      `start ClickHouse there, or fix OPENTRACY_CLICKHOUSE_URL / traces.clickhouse_url`,
      false,
    );
  const started = performance.now();
  try {
    const res = await fetch(`${target.origin}/?query=${encodeURIComponent("SELECT 1")}`, {
      headers: { "X-ClickHouse-User": target.username, "X-ClickHouse-Key": target.password },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const body = (await res.text()).trim();
    const ms = Math.round(performance.now() - started);
    if (res.status === 401 || res.status === 403 || /Code: 516\b|AUTHENTICATION_FAILED/.test(body)) return down(`refused user ${target.username}'s password`);
    if (!res.ok || body !== "1") return down(`answered HTTP ${res.status}: ${scrub(body.slice(0, 200), target)}`);
    return pass(area, `${target.display} answers (SELECT 1 in ${ms} ms)`, { latency_ms: ms });
  } catch (e: any) {
    return down(
      e?.name === "TimeoutError" ? `did not answer within ${TIMEOUT_MS / 1000} s` : `is unreachable (${scrub(String(e?.code ?? e?.message ?? e), target)})`,
    );
  }
}

/**
 * Whether `serve` could listen where it would: try the address, then close. A taken port is fine
 * when an opentracy engine holds it (its /health names a version); anything else is in the way.
 */
export async function checkPort(config: Config, env: NodeJS.ProcessEnv): Promise<Check> {
  const area = "port";
  const { host, port } = listenAddress(config.server, env);
  const n = Number(port);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    return fail(area, `port '${port}' is not a port number`, "set OPENTRACY_PORT (or server.port in config.json) to 1-65535");
  if (n === 0) return pass(area, "port 0: serve picks a free port at start");
  const where = `${host.includes(":") ? `[${host}]` : host}:${n}`;
  try {
    const listener = Bun.listen({ hostname: host, port: n, socket: { data() {} } });
    listener.stop(true);
    return pass(area, `${where} is free`);
  } catch (e: any) {
    if (e?.code !== "EADDRINUSE")
      return fail(area, `cannot listen on ${where} (${e?.code ?? e?.message})`, `serve on another address: opentracy serve --host 127.0.0.1 --port ${n}`);
  }
  const version = await engineVersion(host, n);
  if (version) return pass(area, `${where} is served by an opentracy engine (version ${version}) already`);
  return fail(area, `${where} is taken by another program`, `stop it, or serve elsewhere: opentracy serve --port ${n + 1} (or set OPENTRACY_PORT)`);
}

async function engineVersion(host: string, port: number): Promise<string | null> {
  const h = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  try {
    const res = await fetch(`http://${h}:${port}/health`, { signal: AbortSignal.timeout(1000) });
    const body: any = await res.json();
    return body?.status === "ok" && typeof body.version === "string" ? body.version : null;
  } catch {
    return null;
  }
}
