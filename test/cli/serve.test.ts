import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HEAP_RAM_HINT, UPSTREAM_FETCH_LIMIT } from "../../src/cli/serve-runtime.ts";
import { startFakeOpenAI } from "../fakes/openai-upstream.ts";
import { runCli, tempHome } from "../helpers/cli.ts";
import { startEngine } from "../helpers/engine.ts";

describe("opentracy serve", () => {
  test("--help names every option and shows no secret", async () => {
    const r = await runCli(["serve", "--help"], {
      home: tempHome(),
      env: { OPENAI_API_KEY: "sk-help-secret-1234", OPENTRACY_CLICKHOUSE_URL: "http://u:pw-secret@h:8123/db" },
    });
    expect(r.code).toBe(0);
    for (const flag of ["--port", "--host", "--clickhouse", "--tls-cert", "--tls-key", "--insecure-no-auth"]) expect(r.stdout).toContain(flag);
    expect(r.stdout).not.toContain("sk-help-secret");
    expect(r.stdout).not.toContain("pw-secret");
  });

  test("an invalid port or a half TLS pair is refused in one line", async () => {
    const home = tempHome();
    const port = await runCli(["serve", "--port", "70000"], { home });
    expect(port.code).not.toBe(0);
    expect(port.stderr.trim().split("\n")).toHaveLength(1);
    const tls = await runCli(["serve", "--port", "0", "--tls-cert", "/nonexistent.pem"], { home });
    expect(tls.code).not.toBe(0);
    expect(tls.stderr).toContain("--tls-key");
  });

  test("--tls-cert/--tls-key serve HTTPS", async () => {
    const dir = mkdtempSync(join(tmpdir(), "opentracy-tls-"));
    const cert = join(dir, "cert.pem");
    const key = join(dir, "key.pem");
    const gen = Bun.spawnSync(
      [
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { stderr: "pipe" },
    );
    expect(gen.exitCode).toBe(0);
    const fake = await startFakeOpenAI();
    const engine = await startEngine({ args: ["--tls-cert", cert, "--tls-key", key], env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
    try {
      expect(engine.url).toStartWith("https://");
      const res = await fetch(`${engine.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "openai/gpt-4o", messages: [{ role: "user", content: "over tls" }] }),
        tls: { ca: await Bun.file(cert).text() },
      } as RequestInit);
      expect(res.status).toBe(200);
      expect(((await res.json()) as any).choices[0].message.content).toBe("over tls");
      // Over TLS the web UI's session cookie is Secure.
      const reloaded = engine.waitForLog(/settings reloaded/);
      const token = (await runCli(["tokens", "create", "--name", "ui"], { home: engine.home })).stdout.trim();
      await reloaded;
      const signIn = await fetch(`${engine.url}/api/session`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-opentracy-csrf": "1" },
        body: JSON.stringify({ token }),
        tls: { ca: await Bun.file(cert).text() },
      } as RequestInit);
      expect(signIn.status).toBe(204);
      expect(signIn.headers.get("set-cookie")).toMatch(/; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200; Secure$/);
    } finally {
      await engine.stop();
      await fake.close();
    }
  });

  test("serve sets Bun's upstream fetch limit and heap hint in place: same process, both in its environment; a user's own value is kept", async () => {
    const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    const engine = await startEngine();
    try {
      // The PID the test spawned is the one that printed "listening" and answers: execve, not a child.
      expect(environ(engine.proc.pid)).toContain(`BUN_CONFIG_MAX_HTTP_REQUESTS=${UPSTREAM_FETCH_LIMIT}`);
      expect(environ(engine.proc.pid)).toContain(`BUN_JSC_forceRAMSize=${HEAP_RAM_HINT}`);
      expect((await fetch(`${engine.url}/health`)).status).toBe(200);
    } finally {
      expect(await engine.stop()).toBe(0);
    }
    const own = await startEngine({ env: { BUN_CONFIG_MAX_HTTP_REQUESTS: "300", BUN_JSC_forceRAMSize: "536870912" } });
    try {
      expect(environ(own.proc.pid)).toContain("BUN_CONFIG_MAX_HTTP_REQUESTS=300");
      expect(environ(own.proc.pid)).toContain("BUN_JSC_forceRAMSize=536870912");
    } finally {
      await own.stop();
    }
  });
});
