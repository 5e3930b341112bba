import { describe, expect, test } from "bun:test";
import { readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempHome } from "../helpers/cli.ts";

const secretsOf = (home: string) => JSON.parse(readFileSync(join(home, "secrets.json"), "utf8"));

describe("opentracy keys", () => {
  test("set reads the key from stdin, writes secrets.json 0600 in a 0700 home", async () => {
    const home = tempHome();
    const key = `gsk_${crypto.randomUUID().replaceAll("-", "")}`;
    const r = await runCli(["keys", "set", "groq"], { home, stdin: `${key}\n` });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(key);
    expect(r.stdout).toContain(key.slice(-4));
    expect(secretsOf(home)).toEqual({ groq_api_key: key });
    expect(statSync(join(home, "secrets.json")).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o777).toBe(0o700);
  });

  test("set keeps the other keys", async () => {
    const home = tempHome();
    await runCli(["keys", "set", "openai"], { home, stdin: "sk-one-aaaa1111" });
    await runCli(["keys", "set", "mistral"], { home, stdin: "mist-bbbb2222" });
    expect(secretsOf(home)).toEqual({ openai_api_key: "sk-one-aaaa1111", mistral_api_key: "mist-bbbb2222" });
  });

  test("a key as an argument works but warns about shell history", async () => {
    const home = tempHome();
    const r = await runCli(["keys", "set", "deepseek", "sk-arg-12345678"], { home });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("shell history");
    expect(secretsOf(home).deepseek_api_key).toBe("sk-arg-12345678");
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
    expect(rows.find((x) => x.provider === "openai")).toEqual({ provider: "openai", key: "sk-…abcd", source: "file" });
    expect(rows.find((x) => x.provider === "groq")).toEqual({ provider: "groq", key: expect.stringContaining("9876"), source: "env GROQ_API_KEY" });
    expect(rows.find((x) => x.provider === "mistral")).toEqual({ provider: "mistral", key: null, source: null });
    const table = await runCli(["keys", "list"], { home });
    expect(table.stdout).toMatch(/openai\s+sk-…abcd\s+file/);
  });

  test("rm removes one key and errors on a missing one", async () => {
    const home = tempHome();
    await runCli(["keys", "set", "openai"], { home, stdin: "sk-aaaa-1111" });
    await runCli(["keys", "set", "groq"], { home, stdin: "gsk-bbbb-2222" });
    expect((await runCli(["keys", "rm", "openai"], { home })).code).toBe(0);
    expect(secretsOf(home)).toEqual({ groq_api_key: "gsk-bbbb-2222" });
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
    expect(secretsOf(home)).toEqual({ aws_access_key_id: "AKIAEXAMPLE1234", aws_secret_access_key: "wJalrXUtnFEMI/K7MDENG", aws_region: "eu-west-1" });
    expect((await runCli(["keys", "rm", "bedrock"], { home })).code).toBe(0);
    expect(secretsOf(home)).toEqual({});
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
