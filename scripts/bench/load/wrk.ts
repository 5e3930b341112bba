// wrk (C, epoll, one thread is enough here): the load generator that costs the least CPU per
// request, which matters when it shares a 2-core machine with what it measures. Its latency
// histogram has microsecond resolution; the Lua `done` hook hands us exact percentiles as JSON.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pinned } from "../spawn.ts";
import type { LoadGenerator, LoadResult, LoadSpec } from "./types.ts";

const MARK = "WRK_RESULT ";

function luaScript(bodyFile: string, headers: Record<string, string>): string {
  const lua = (s: string) => JSON.stringify(s); // a JSON string of ASCII is a valid Lua string
  return `
local f = assert(io.open(${lua(bodyFile)}, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
${Object.entries(headers)
  .map(([k, v]) => `wrk.headers[${lua(k)}] = ${lua(v)}`)
  .join("\n")}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('${MARK}{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%.1f,"p99":%.1f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;
}

export function wrkGenerator(): LoadGenerator | null {
  const bin = Bun.which("wrk");
  if (!bin) return null;
  const v = Bun.spawnSync([bin, "--version"]);
  const version = (v.stdout.toString() + v.stderr.toString())
    .split("\n")[0]
    .replace(/\s*Copyright.*/, "")
    .trim();
  const dir = mkdtempSync(join(tmpdir(), "opentracy-bench-wrk-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  return {
    name: "wrk",
    version,
    fineLatency: true,
    async run(spec: LoadSpec): Promise<LoadResult> {
      const id = n++;
      const bodyFile = join(dir, `body-${id}.json`);
      const script = join(dir, `script-${id}.lua`);
      writeFileSync(bodyFile, spec.req.body);
      writeFileSync(script, luaScript(bodyFile, spec.req.headers));
      const cmd = pinned([bin, "-t1", `-c${spec.connections}`, `-d${spec.durationS}s`, "--timeout", "10s", "-s", script, spec.req.url], spec.core);
      const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
      // wrk stops by itself after -d; the guard only covers a wedged wrk.
      const guard = setTimeout(() => proc.kill("SIGKILL"), (spec.durationS + 30) * 1000);
      const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      clearTimeout(guard);
      const line = out.split("\n").find((l) => l.startsWith(MARK));
      if (!line) throw new Error(`wrk gave no result for ${spec.req.url}:\n${out}\n${err}`);
      const r = JSON.parse(line.slice(MARK.length));
      const durationS = r.duration_us / 1e6;
      return {
        requests: r.requests,
        durationS,
        rps: r.requests / durationS,
        p50Us: r.p50,
        p99Us: r.p99,
        non2xx: r.status,
        socketErrors: r.connect + r.read + r.write + r.timeout,
        timeouts: r.timeout,
      };
    },
  };
}
