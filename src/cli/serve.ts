import type { Command } from "commander";
import { ConfigFileError } from "../config/files.ts";
import { ensureHome, paths } from "../config/paths.ts";
import { createEngine, startServer, TraceTargetError } from "../server/engine.ts";
import { VERSION } from "../version.ts";
import { CliError } from "./output.ts";

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliError(`invalid port '${v}': use 0-65535`);
  return n;
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run the engine: OpenAI-compatible API on /v1, traces to the local store or ClickHouse")
    .option("-p, --port <port>", "port to listen on (env OPENTRACY_PORT, default 8080; 0 picks a free one)")
    .option("-H, --host <host>", "address to bind (env OPENTRACY_HOST, default 127.0.0.1)")
    .option(
      "--clickhouse <url>",
      "send traces to ClickHouse, http[s]://user:password@host:8123/database (env OPENTRACY_CLICKHOUSE_URL, which keeps the password out of the process list)",
    )
    .action(async (opts: { port?: string; host?: string; clickhouse?: string }) => {
      const env = process.env;
      const p = paths(env);
      ensureHome(p);
      let engine;
      try {
        engine = createEngine(p, env, log, { clickhouseUrl: opts.clickhouse });
      } catch (e) {
        if (e instanceof ConfigFileError) throw new CliError(`${e.message} (the engine did not start; nothing was changed)`);
        if (e instanceof TraceTargetError) throw new CliError(`${e.message} (the engine did not start)`);
        throw e;
      }
      const server = engine.settings.current.config.server;
      const host = opts.host ?? env.OPENTRACY_HOST ?? server?.host ?? "127.0.0.1";
      const port = parsePort(opts.port ?? env.OPENTRACY_PORT ?? String(server?.port ?? 8080));
      let http;
      try {
        http = startServer(engine, host, port);
      } catch (e: any) {
        throw new CliError(`cannot listen on ${host}:${port}: ${e?.code ?? e?.message ?? e}`);
      }
      engine.settings.watch();
      engine.writer.start();
      // Tests and scripts read this line to learn the port when they asked for port 0.
      process.stdout.write(`opentracy ${VERSION} listening on http://${host.includes(":") ? `[${host}]` : host}:${http.port} (home ${p.home})\n`);

      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) {
          // A second Ctrl-C means now.
          process.exit(130);
        }
        stopping = true;
        log(`${signal}: stopping, flushing traces`);
        engine.settings.close();
        await http.stop();
        await engine.writer.close();
        process.exit(0);
      };
      process.on("SIGINT", () => void shutdown("SIGINT"));
      process.on("SIGTERM", () => void shutdown("SIGTERM"));
    });
}
