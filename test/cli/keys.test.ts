import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { paths } from "../../src/config/paths.ts";
import { openSealedSecrets } from "../../src/settings/provider-keys.ts";
import { runCli, tempHome } from "../helpers/cli.ts";

/** The keys as the engine opens them: the sealed store under the home's master key. */
const secretsOf = async (home: string, env: NodeJS.ProcessEnv = {}) => (await openSealedSecrets(paths({ OPENTRACY_HOME: home }), env)).secrets;
const rawFile = (home: string, name: string) => readFileSync(join(home, name), "utf8");

describe("opentracy keys", () => {
  test("set reads the key from stdin and seals it: credentials.json and master.key 0600 in a 0700 home, no plain text anywhere", async () => {
    const home = tempHome();
    const key = `gsk_${crypto.randomUUID().replaceAll("-", "")}`;
    const r = await runCli(["keys", "set", "groq"], { home, stdin: `${key}\n` });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(key);
    expect(r.stdout).toContain(key.slice(-4));
    expect(await secretsOf(home)).toEqual({ groq_api_key: key });
    for (const f of readdirSync(home)) expect(rawFile(home, f)).not.toContain(key.slice(4, 20));
    expect(statSync(join(home, "credentials.json")).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, "master.key")).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o777).toBe(0o700);
  });

  test("set moves a key out of a hand-written secrets.json: the sealed copy wins, the plain one is removed, the others stay", async () => {
    const home = tempHome();
    mkdirSync(home, { recursive: true, mode: 0o700 });
    writeFileSync(join(home, "secrets.json"), JSON.stringify({ openai_api_key: "sk-plain-old-1111", groq_api_key: "gsk-plain-2222" }), { mode: 0o600 });
    expect((await runCli(["keys", "set", "openai"], { home, stdin: "sk-sealed-new-3333" })).code).toBe(0);
    expect(JSON.parse(rawFile(home, "secrets.json"))).toEqual({ groq_api_key: "gsk-plain-2222" });
    expect(await secretsOf(home)).toEqual({ openai_api_key: "sk-sealed-new-3333" });
    const rows = (await runCli(["keys", "list", "--json"], { home })).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows.find((x) => x.provider === "openai").source).toBe("sealed");
    expect(rows.find((x) => x.provider === "groq").source).toBe("file");
  });

  test("OPENTRACY_MASTER_KEY seals instead of master.key; without it the engine's keys do not open, and every command says so", async () => {
    const home = tempHome();
    const master = Buffer.alloc(32, 7).toString("base64");
    expect((await runCli(["keys", "set", "openai"], { home, stdin: "sk-env-sealed-4444", env: { OPENTRACY_MASTER_KEY: master } })).code).toBe(0);
    expect(readdirSync(home)).not.toContain("master.key");
    expect(await secretsOf(home, { OPENTRACY_MASTER_KEY: master })).toEqual({ openai_api_key: "sk-env-sealed-4444" });
    const list = await runCli(["keys", "list"], { home });
    expect(list.code).toBe(1);
    expect(list.stderr).toContain("no master key");
    const wrong = await runCli(["keys", "list"], { home, env: { OPENTRACY_MASTER_KEY: Buffer.alloc(32, 9).toString("base64") } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/sealed under master key [0-9a-f]{8}, but this engine's master key is [0-9a-f]{8}/);
    const short = await runCli(["keys", "list"], { home, env: { OPENTRACY_MASTER_KEY: "dG9vIHNob3J0" } });
    expect(short.stderr).toContain("must be 32 random bytes");
  });

  test("rotate-master seals every key again under a new master.key and loses none", async () => {
    const home = tempHome();
    await runCli(["keys", "set", "openai"], { home, stdin: "sk-rotate-one-5555" });
    await runCli(["keys", "set", "bedrock"], { home, stdin: "AWS_ACCESS_KEY_ID=AKIAROTATE\nAWS_SECRET_ACCESS_KEY=rotsecret\n" });
    const keyBefore = rawFile(home, "master.key");
    const sealedBefore = rawFile(home, "credentials.json");
    const r = await runCli(["keys", "rotate-master"], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sealed 3 secrets again under master key ([0-9a-f]{8}) \(was (?!\1)[0-9a-f]{8}\)$/m);
    expect(rawFile(home, "master.key")).not.toBe(keyBefore);
    expect(rawFile(home, "credentials.json")).not.toBe(sealedBefore);
    expect(readdirSync(home)).not.toContain("master.key.previous");
    expect(await secretsOf(home)).toEqual({ openai_api_key: "sk-rotate-one-5555", aws_access_key_id: "AKIAROTATE", aws_secret_access_key: "rotsecret" });
  });

  test("rotate-master finishes a rotation interrupted after the new key was written", async () => {
    const home = tempHome();
    await runCli(["keys", "set", "openai"], { home, stdin: "sk-interrupted-6666" });
    // The state a crash leaves between the two steps: the old key kept as previous, a new one in place, nothing re-sealed.
    writeFileSync(join(home, "master.key.previous"), rawFile(home, "master.key"), { mode: 0o600 });
    writeFileSync(join(home, "master.key"), `${Buffer.alloc(32, 3).toString("base64")}\n`, { mode: 0o600 });
    expect(await secretsOf(home)).toEqual({ openai_api_key: "sk-interrupted-6666" });
    expect((await runCli(["keys", "rotate-master"], { home })).code).toBe(0);
    expect(readdirSync(home)).not.toContain("master.key.previous");
    expect(await secretsOf(home)).toEqual({ openai_api_key: "sk-interrupted-6666" });
  });

  test("a sealed key copied onto another provider's row does not open", async () => {
    const home = tempHome();
    await runCli(["keys", "set", "openai"], { home, stdin: "sk-swap-7777" });
    await runCli(["keys", "set", "groq"], { home, stdin: "gsk-swap-8888" });
    const file = JSON.parse(rawFile(home, "credentials.json"));
    file.secrets.groq_api_key = file.secrets.openai_api_key;
    writeFileSync(join(home, "credentials.json"), JSON.stringify(file), { mode: 0o600 });
    const r = await runCli(["keys", "list"], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("secret/groq_api_key does not open");
    expect(r.stderr).not.toContain("7777");
  });

  test("set keeps the other keys", async () => {
    const home = tempHome();
    await runCli(["keys", "set", "openai"], { home, stdin: "sk-one-aaaa1111" });
    await runCli(["keys", "set", "mistral"], { home, stdin: "mist-bbbb2222" });
    expect(await secretsOf(home)).toEqual({ openai_api_key: "sk-one-aaaa1111", mistral_api_key: "mist-bbbb2222" });
  });

  test("a key as an argument works but warns about shell history", async () => {
    const home = tempHome();
    const r = await runCli(["keys", "set", "deepseek", "sk-arg-12345678"], { home });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("shell history");
    expect((await secretsOf(home)).deepseek_api_key).toBe("sk-arg-12345678");
  });

  test("unknown provider → error listing the known ones; nothing written", async () => {
    const home = tempHome();
    const r = await runCli(["keys", "set", "nope"], { home, stdin: "x" });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("unknown provider 'nope'");
    expect(r.stderr).toContain("groq");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  test("empty stdin is refused", async () => {
    const home = tempHome();
    const r = await runCli(["keys", "set", "openai"], { home, stdin: "\n" });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("no key given");
  });

  test("list shows masked keys and their source; env wins over the file", async () => {
    const home = tempHome();
    await runCli(["keys", "set", "openai"], { home, stdin: "sk-file-secret-abcd" });
    await runCli(["keys", "set", "groq"], { home, stdin: "gsk_file_secret_wxyz" });
    const r = await runCli(["keys", "list", "--json"], { home, env: { GROQ_API_KEY: "gsk_env_secret_9876" } });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("file-secret");
    expect(r.stdout).not.toContain("env_secret");
    const rows = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows.find((x) => x.provider === "openai")).toEqual({ provider: "openai", key: "sk-…abcd", source: "sealed" });
    expect(rows.find((x) => x.provider === "groq")).toEqual({ provider: "groq", key: expect.stringContaining("9876"), source: "env GROQ_API_KEY" });
    expect(rows.find((x) => x.provider === "mistral")).toEqual({ provider: "mistral", key: null, source: null });
    const table = await runCli(["keys", "list"], { home });
    expect(table.stdout).toMatch(/openai\s+sk-…abcd\s+sealed/);
  });

  test("rm removes one key and errors on a missing one", async () => {
    const home = tempHome();
    await runCli(["keys", "set", "openai"], { home, stdin: "sk-aaaa-1111" });
    await runCli(["keys", "set", "groq"], { home, stdin: "gsk-bbbb-2222" });
    expect((await runCli(["keys", "rm", "openai"], { home })).code).toBe(0);
    expect(await secretsOf(home)).toEqual({ groq_api_key: "gsk-bbbb-2222" });
    const again = await runCli(["keys", "rm", "openai"], { home });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain("no openai key");
  });

  test("a corrupt secrets.json is refused and left untouched", async () => {
    const home = tempHome();
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const bad = '{"openai_api_key": 42}';
    writeFileSync(join(home, "secrets.json"), bad, { mode: 0o600 });
    const r = await runCli(["keys", "set", "groq"], { home, stdin: "gsk-x-1234" });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("openai_api_key");
    expect(readFileSync(join(home, "secrets.json"), "utf8")).toBe(bad);
  });
});

describe("opentracy keys set bedrock", () => {
  test("reads NAME=value lines and stores the whole credential set", async () => {
    const home = tempHome();
    const input = "# from my env file\nexport AWS_ACCESS_KEY_ID=AKIAEXAMPLE1234\nAWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG'\nAWS_REGION=eu-west-1\n";
    const r = await runCli(["keys", "set", "bedrock"], { home, stdin: input });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("wJalr");
    expect(await secretsOf(home)).toEqual({ aws_access_key_id: "AKIAEXAMPLE1234", aws_secret_access_key: "wJalrXUtnFEMI/K7MDENG", aws_region: "eu-west-1" });
    expect((await runCli(["keys", "rm", "bedrock"], { home })).code).toBe(0);
    expect(await secretsOf(home)).toEqual({});
  });

  test("a missing secret key or an unknown name is refused", async () => {
    const home = tempHome();
    const partial = await runCli(["keys", "set", "bedrock"], { home, stdin: "AWS_ACCESS_KEY_ID=AKIA1\n" });
    expect(partial.code).not.toBe(0);
    expect(partial.stderr).toContain("AWS_SECRET_ACCESS_KEY");
    const unknown = await runCli(["keys", "set", "bedrock"], { home, stdin: "SECRET=1\n" });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("AWS_ACCESS_KEY_ID");
  });
});
