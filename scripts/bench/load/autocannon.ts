// autocannon (npm devDependency) for machines without wrk. It runs on Node and costs more CPU
// per request than wrk, and it records latency in whole milliseconds, so the bench takes
// concurrency-1 latency from its own client when this is the generator.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pinned } from "../spawn.ts";
import type { LoadGenerator, LoadResult, LoadSpec } from "./types.ts";

const ROOT = join(import.meta.dir, "../../..");
const CLI = join(ROOT, "node_modules/autocannon/autocannon.js");

export function autocannonGenerator(): LoadGenerator | null {
  const node = Bun.which("node");
  if (!node || !existsSync(CLI)) return null;
  const version = JSON.parse(readFileSync(join(ROOT, "node_modules/autocannon/package.json"), "utf8")).version;
  return {
    name: "autocannon",
    version: `autocannon ${version} on node ${Bun.spawnSync([node, "--version"]).stdout.toString().trim()}`,
    fineLatency: false,
    async run(spec: LoadSpec): Promise<LoadResult> {
      const args = [node, CLI, "-c", String(spec.connections), "-d", String(spec.durationS), "-m", "POST", "-b", spec.req.body, "-j", "-t", "10"];
      for (const [k, v] of Object.entries(spec.req.headers)) args.push("-H", `${k}=${v}`);
      args.push(spec.req.url);
      const proc = Bun.spawn(pinned(args, spec.core), { stdout: "pipe", stderr: "pipe" });
      const guard = setTimeout(() => proc.kill("SIGKILL"), (spec.durationS + 30) * 1000);
      const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      clearTimeout(guard);
      let r: any;
      try {
        r = JSON.parse(out);
      } catch {
        throw new Error(`autocannon gave no result for ${spec.req.url}:\n${out}\n${err}`);
      }
      const ok = r.requests.total as number;
      const durationS = r.duration as number;
      return {
        requests: ok,
        durationS,
        rps: ok / durationS,
        p50Us: r.latency.p50 * 1000,
        p99Us: r.latency.p99 * 1000,
        non2xx: r.non2xx,
        socketErrors: r.errors + r.timeouts,
        timeouts: r.timeouts,
      };
    },
  };
}
