import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../../scripts/build.ts";
import { listenAddress } from "../../src/config/address.ts";
import { parseClickHouseUrl } from "../../src/traces/clickhouse/url.ts";
import { childEnv, ROOT, tempHome } from "../helpers/cli.ts";
import { type RunningServer, startServer } from "../helpers/clickhouse.ts";
import { type RunningEngine, startEngine } from "../helpers/engine.ts";

// No image is built or pulled here (no registry but npm's and Debian's), so this checks
// compose.yaml, the Dockerfile and .env.example against what the engine reads and serves: the
// compose file as `docker-compose config` resolves it (Debian's docker-compose, installed by
// .ci/run; without it these tests fail, never skip), and the compiled executable run with the
// compose service's command and environment, as the container would run it.

const read = (f: string) => readFileSync(join(ROOT, f), "utf8");
const pkg = JSON.parse(read("package.json"));
const composeText = read("compose.yaml");
const raw: any = Bun.YAML.parse(composeText);
/** compose.yaml's keys and values (not its comments), as one text to search. */
const composeData = JSON.stringify(raw);
const dockerfile = read("Dockerfile");
const envExample = read(".env.example");

/** Every source file's text under src/, to ask whether the engine reads a variable. */
function sources(dir = join(ROOT, "src")): string {
  let out = "";
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out += sources(p);
    else if (/\.(ts|tsx)$/.test(name)) out += readFileSync(p, "utf8");
  }
  return out;
}

/** .env lines: NAME=value. */
function parseEnv(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) vars.set(m[1]!, m[2]!);
  }
  return vars;
}

/** The `# CHANGE ME: <command>` above each secret in .env.example: variable → command. */
function secretCommands(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let pending: string | null = null;
  for (const line of text.split("\n")) {
    const c = /^# CHANGE ME: (.+)$/.exec(line);
    if (c) pending = c[1]!.trim();
    const v = /^([A-Z_][A-Z0-9_]*)=/.exec(line);
    if (v && pending) {
      out.set(v[1]!, pending);
      pending = null;
    } else if (v) pending = null;
  }
  return out;
}

/** Debian's docker-compose (v1), else Docker's `docker compose` plugin. */
function composeCommand(): string[] {
  for (const cmd of [["docker-compose"], ["docker", "compose"]]) {
    const probe = Bun.spawnSync([...cmd, "version"], { stdout: "ignore", stderr: "ignore" });
    if (probe.exitCode === 0) return cmd;
  }
  throw new Error("no docker-compose: apt-get install --no-install-recommends docker-compose (.ci/run does)");
}

function composeConfig(envFile: string): { code: number; stdout: string; stderr: string } {
  const r = Bun.spawnSync([...composeCommand(), "--project-directory", ROOT, "-f", join(ROOT, "compose.yaml"), "--env-file", envFile, "config"], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** A port entry's container side: "127.0.0.1:8080:8080/tcp" (v1) or {target: 8080} (v2). */
const containerPort = (p: any): string => (typeof p === "object" ? String(p.target) : String(p).split("/")[0]!.split(":").at(-1)!);

/** The runtime stage: the Dockerfile's lines from its last FROM on, continuation lines joined. */
function stages(text: string): string[][] {
  const lines = text
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .filter((l) => l.trim() && !l.trim().startsWith("#"));
  const out: string[][] = [];
  for (const l of lines) {
    if (/^FROM\s/i.test(l)) out.push([]);
    out.at(-1)?.push(l);
  }
  return out;
}
const runtime = stages(dockerfile).at(-1)!;
const healthcheck = runtime.find((l) => l.startsWith("HEALTHCHECK "))!;
const healthCommand = /\sCMD\s+(.+)$/.exec(healthcheck ?? "")?.[1] ?? "";

// A .env made the way .env.example says (each CHANGE ME filled in by the command beside it), with
// user and database names unlike the defaults, so a value compose.yaml spelled out itself instead
// of taking from .env would show.
const work = mkdtempSync(join(tmpdir(), "opentracy-compose-"));
const commands = secretCommands(envExample);
const env = parseEnv(envExample);
for (const [name, cmd] of commands) {
  const r = Bun.spawnSync(["sh", "-c", cmd], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`.env.example's command for ${name} failed: ${cmd}\n${r.stderr}`);
  env.set(name, r.stdout.toString().trim());
}
env.set("CLICKHOUSE_USER", "deploy_user");
env.set("CLICKHOUSE_DB", "deploy_db");
const envFile = join(work, ".env");
writeFileSync(envFile, [...env].map(([k, v]) => `${k}=${v}\n`).join(""));
let resolved: any;

beforeAll(() => {
  const r = composeConfig(envFile);
  if (r.code !== 0) throw new Error(`docker-compose config refused compose.yaml:\n${r.stderr}`);
  resolved = Bun.YAML.parse(r.stdout);
});

describe("compose.yaml, .env.example", () => {
  test("docker-compose accepts compose.yaml with a filled-in .env, and refuses .env.example as it is, naming what to set", () => {
    expect(Object.keys(resolved.services).sort()).toEqual(["clickhouse", "engine"]);
    const unedited = composeConfig(join(ROOT, ".env.example"));
    expect(unedited.code).not.toBe(0);
    expect(unedited.stderr).toMatch(/set (CLICKHOUSE_PASSWORD|OPENTRACY_MASTER_KEY) in \.env/);
  });

  test("the README's one-line .env (sed over .env.example) fills in every secret", () => {
    const line = /^sed .* \.env\.example > \.env$/m.exec(read("README.md"))?.[0];
    expect(line).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), "opentracy-dotenv-"));
    writeFileSync(join(dir, ".env.example"), envExample);
    expect(Bun.spawnSync(["sh", "-c", line!], { cwd: dir }).exitCode).toBe(0);
    const made = parseEnv(readFileSync(join(dir, ".env"), "utf8"));
    for (const name of commands.keys()) expect({ name, value: made.get(name) }).toEqual({ name, value: expect.stringMatching(/^\S{40,}$/) });
    expect(composeConfig(join(dir, ".env")).code).toBe(0);
  });

  test(".env.example defines every variable compose.yaml uses, no other, and each empty one is a CHANGE ME with its command", () => {
    const used = new Set([...composeData.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!));
    const defined = parseEnv(envExample);
    expect([...used].sort()).toEqual([...defined.keys()].sort());
    const secrets = [...defined].filter(([, v]) => v === "").map(([k]) => k);
    expect(secrets.sort()).toEqual(["CLICKHOUSE_PASSWORD", "OPENTRACY_MASTER_KEY"]);
    expect([...commands.keys()].sort()).toEqual(secrets.sort());
    for (const cmd of commands.values()) expect(cmd).toMatch(/^openssl rand -(base64|hex) 32$/);
    // The master key is 32 random bytes, base64.
    expect(Buffer.from(env.get("OPENTRACY_MASTER_KEY")!, "base64")).toHaveLength(32);
    expect(read(".gitignore").split("\n")).toContain(".env");
  });

  test("every OPENTRACY_ variable compose.yaml or the Dockerfile sets is one the engine reads", () => {
    const src = sources();
    const names = new Set([
      ...Object.keys(resolved.services.engine.environment),
      ...[...composeData.matchAll(/OPENTRACY_[A-Z_]+/g)].map((m) => m[0]),
      ...[...runtime.join("\n").matchAll(/OPENTRACY_[A-Z_]+/g)].map((m) => m[0]),
    ]);
    expect(names.size).toBeGreaterThanOrEqual(3);
    for (const name of names) {
      expect(name).toStartWith("OPENTRACY_");
      expect({ name, read: src.includes(name) }).toEqual({ name, read: true });
    }
  });

  test("the engine listens on its default port, which compose publishes and the Dockerfile EXPOSEs", () => {
    const engine = resolved.services.engine;
    const port = listenAddress(undefined, {}).port;
    expect(port).toBe("8080");
    expect(engine.ports.map(containerPort)).toEqual([port]);
    expect(engine.command.join(" ")).not.toMatch(/--port|-p\b/);
    expect(engine.environment.OPENTRACY_PORT).toBeUndefined();
    expect(runtime.filter((l) => l.startsWith("EXPOSE"))).toEqual([`EXPOSE ${port}`]);
    // Not loopback inside the container, or the published port reaches nothing.
    expect(engine.command.slice(0, 3)).toEqual(["serve", "--host", "0.0.0.0"]);
  });

  test("ClickHouse is published nowhere, has a health check, and the engine waits for it to pass", () => {
    const ch = resolved.services.clickhouse;
    expect(ch.ports).toBeUndefined();
    expect(raw.services.clickhouse.ports).toBeUndefined();
    expect(ch.network_mode).toBeUndefined();
    expect(ch.healthcheck.test.join(" ")).toContain("http://127.0.0.1:8123/ping");
    expect(resolved.services.engine.depends_on.clickhouse.condition).toBe("service_healthy");
    // A pinned version the engine supports (README, ClickHouse: 22.3 or later), not `latest`.
    const [, major, minor] = /^clickhouse\/clickhouse-server:(\d+)\.(\d+)/.exec(ch.image) ?? [];
    expect(Number(major) * 100 + Number(minor)).toBeGreaterThanOrEqual(2203);
  });

  test("the engine's ClickHouse URL has the user, password and database ClickHouse is given, from the same .env variables", () => {
    const ch = resolved.services.clickhouse.environment;
    const target = parseClickHouseUrl(resolved.services.engine.environment.OPENTRACY_CLICKHOUSE_URL);
    expect(target.origin).toBe("http://clickhouse:8123");
    expect({ user: target.username, password: target.password, db: target.database }).toEqual({
      user: ch.CLICKHOUSE_USER,
      password: ch.CLICKHOUSE_PASSWORD,
      db: ch.CLICKHOUSE_DB,
    });
    expect(target.username).toBe("deploy_user");
    expect(target.database).toBe("deploy_db");
    expect(target.password).toBe(env.get("CLICKHOUSE_PASSWORD")!);
    // In the file itself: both sides name the same variables.
    const url: string = raw.services.engine.environment.OPENTRACY_CLICKHOUSE_URL;
    for (const name of ["CLICKHOUSE_USER", "CLICKHOUSE_PASSWORD", "CLICKHOUSE_DB"]) {
      expect(url).toContain(`\${${name}}`);
      expect(raw.services.clickhouse.environment[name]).toStartWith(`\${${name}`);
      // Put into the URL as it is, so a value made as .env.example says needs no escaping there
      // (base64 would not do: its "=" padding, and a "/" that ends the URL's authority).
      expect(encodeURIComponent(env.get(name)!)).toBe(env.get(name)!);
    }
  });

  test("the engine's home is a named volume at the image's OPENTRACY_HOME, and a stop waits out its shutdown", () => {
    const home = /^ENV\s+OPENTRACY_HOME=(\S+)/m.exec(dockerfile)?.[1];
    expect(home).toBeDefined();
    const mounts: string[] = resolved.services.engine.volumes.map((v: any) => (typeof v === "string" ? v : `${v.source}:${v.target}`));
    const mount = mounts.find((v) => v.split(":")[1] === home);
    expect(mount).toBeDefined();
    expect(Object.keys(resolved.volumes)).toContain(mount!.split(":")[0]!);
    expect(runtime).toContain(`VOLUME ["${home}"]`);
    // serve's default shutdown_timeout_ms (30 s) and the 3 s trace flush fit in the grace period.
    const grace = /^(\d+)s$/.exec(resolved.services.engine.stop_grace_period)?.[1];
    expect(Number(grace)).toBeGreaterThanOrEqual(33);
  });
});

describe("Dockerfile", () => {
  const [build] = stages(dockerfile);

  test("builds with package.json's Bun, the way `npm run build` does, and ships only the executable", () => {
    expect(dockerfile).toContain(`ARG BUN_VERSION=${pkg.dependencies.bun}\n`);
    expect(build![0]).toBe(`FROM oven/bun:\${BUN_VERSION} AS build`);
    expect(pkg.scripts.build).toBe("bun scripts/build.ts");
    expect(build!.some((l) => l.startsWith("RUN bun scripts/build.ts"))).toBe(true);
    expect(build).toContain("RUN bun install --frozen-lockfile --production");
    expect(runtime.filter((l) => l.startsWith("COPY"))).toEqual(["COPY --from=build /src/dist/opentracy /usr/local/bin/opentracy"]);
    expect(runtime).toContain('ENTRYPOINT ["opentracy"]');
  });

  test("the runtime stage runs as a non-root user", () => {
    const users = runtime.filter((l) => l.startsWith("USER "));
    expect(users).toHaveLength(1);
    const user = users[0]!.slice(5).split(":")[0]!;
    expect(["root", "0", ""]).not.toContain(user);
    // …one the stage creates, owning OPENTRACY_HOME.
    expect(runtime.join("\n")).toContain(`useradd --system --uid 10001 --gid ${user}`);
    expect(runtime.join("\n")).toMatch(new RegExp(`install -d -m 0700 -o ${user} -g ${user} /var/lib/opentracy`));
  });

  test(".dockerignore lets in what the build copies and nothing else (no .env, node_modules or .git)", () => {
    const rules = read(".dockerignore")
      .split("\n")
      .filter((l) => l.trim() && !l.startsWith("#"));
    expect(rules[0]).toBe("*");
    const allowed = rules.slice(1).map((r) => {
      expect(r).toStartWith("!");
      return r.slice(1);
    });
    const copied = build!
      .filter((l) => l.startsWith("COPY "))
      .flatMap((l) => l.split(/\s+/).slice(1, -1))
      .map((p) => p.replace(/\/$/, ""));
    expect(copied.sort()).toEqual(allowed.sort());
  });
});

// The container, minus Docker: the compiled executable, with the compose service's command and
// environment, after the README's first-token command, then the image's own health check. The
// ClickHouse is chDB's server in place of the image (its own user and password; the database is
// compose's): the first token goes into its shared settings, as it does in the real stack.
describe("the engine as compose runs it (the compiled executable)", () => {
  const binDir = mkdtempSync(join(tmpdir(), "opentracy-compose-bin-"));
  const bin = join(binDir, "opentracy");
  let engine: RunningEngine | undefined;
  let home: string;
  let engineEnv: Record<string, string>;
  let token: string;

  let clickhouse: RunningServer;

  beforeAll(async () => {
    [, clickhouse] = await Promise.all([compile(bin), startServer()]);
    home = tempHome();
    engineEnv = { ...resolved.services.engine.environment };
    engineEnv.OPENTRACY_CLICKHOUSE_URL = `${clickhouse.url}${new URL(engineEnv.OPENTRACY_CLICKHOUSE_URL!).pathname}`;
  }, 120_000);
  afterAll(async () => {
    await engine?.stop();
    await clickhouse?.dispose();
  });

  const run = async (args: string[], extra: Record<string, string> = {}) => {
    const proc = Bun.spawn([bin, ...args], { env: childEnv(home, { ...engineEnv, ...extra }), stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { stdout, stderr, code };
  };
  // Docker runs a shell-form HEALTHCHECK as `/bin/sh -c CMD` in the container's environment.
  const check = (port: number) =>
    Bun.spawnSync(["/bin/sh", "-c", healthCommand], {
      cwd: home,
      env: { PATH: `${binDir}:/usr/bin:/bin`, HOME: home, ...engineEnv, OPENTRACY_HOME: home, OPENTRACY_PORT: String(port) },
      stdout: "pipe",
      stderr: "pipe",
    });

  test("without an engine token the compose command refuses to serve; the README's token command makes one", async () => {
    const args: string[] = resolved.services.engine.command;
    const refused = await run([...args, "--port", "0"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("refusing to serve on 0.0.0.0 without engine tokens");

    const readme = read("README.md");
    // Not --no-deps: the token goes into ClickHouse's shared settings, so ClickHouse must be up.
    const create = /^docker compose run --rm engine (tokens create [^#\n]*?)\s*(#.*)?$/m.exec(readme)?.[1];
    expect(create).toBe("tokens create --name admin --admin");
    const made = await run(create!.split(" "));
    expect(made.code).toBe(0);
    token = made.stdout.trim();
    expect(token).toMatch(/^otk_/);
    expect((statSync(home).mode & 0o777).toString(8)).toBe("700");
    const listed = await run(["tokens", "list", "--json"]);
    expect(JSON.parse(listed.stdout)).toMatchObject({ name: "admin", admin: true });
  });

  test("then it serves: the image's health check passes, the token signs in to the UI, traces go to compose's ClickHouse", async () => {
    const args: string[] = resolved.services.engine.command;
    expect(args[0]).toBe("serve");
    engine = await startEngine({ command: [bin], home, env: engineEnv, args: args.slice(1) });
    const port = Number(new URL(engine.url).port);

    expect(/'(\/[\w/]*)'/.exec(healthCommand)?.[1]).toBe("/health");
    const ok = check(port);
    expect({ code: ok.exitCode, stderr: ok.stderr.toString() }).toEqual({ code: 0, stderr: "" });

    const signIn = await fetch(`${engine.url}/api/session`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-opentracy-csrf": "1" },
      body: JSON.stringify({ token }),
    });
    expect(signIn.status).toBe(204);
    const cookie = signIn.headers.get("set-cookie")!.split(";")[0]!;
    expect(await (await fetch(`${engine.url}/api/session`, { headers: { cookie } })).json()).toMatchObject({ name: "admin", admin: true });

    const health: any = await (await fetch(`${engine.url}/health`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(health.traces.sink).toBe("clickhouse");
    expect(health.traces.url).toBe(parseClickHouseUrl(engineEnv.OPENTRACY_CLICKHOUSE_URL!).display);
    expect(JSON.stringify(health)).not.toContain(env.get("CLICKHOUSE_PASSWORD")!);

    expect(await engine.stop()).toBe(0);
    engine = undefined;
    expect(check(port).exitCode).not.toBe(0);
  });
});
