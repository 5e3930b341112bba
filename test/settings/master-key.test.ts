import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import { paths } from "../../src/config/paths.ts";
import { loadKeyring, masterKeyFile } from "../../src/settings/master-key.ts";
import { tempHome } from "../helpers/cli.ts";

const home = () => {
  const h = tempHome();
  mkdirSync(h, { recursive: true, mode: 0o700 });
  return paths({ OPENTRACY_HOME: h });
};

describe("master key", () => {
  test("none until asked to create; then master.key 0600, the same key on every later load", async () => {
    const p = home();
    expect(await loadKeyring(p, {})).toBeNull();
    const made = await loadKeyring(p, {}, { create: true });
    expect(statSync(masterKeyFile(p)).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(masterKeyFile(p), "utf8").trim(), "base64")).toHaveLength(32);
    expect((await loadKeyring(p, {}))!.current.keyId).toBe(made!.current.keyId);
    expect(made!.source).toBe(masterKeyFile(p));
  });

  test("creating it again (as a racing process would) keeps the first key and leaves no temp file; real races are in config/files.test.ts", async () => {
    const p = home();
    const rings = await Promise.all(Array.from({ length: 8 }, () => loadKeyring(p, {}, { create: true })));
    expect(new Set(rings.map((r) => r!.current.keyId)).size).toBe(1);
    expect(readdirSync(p.home)).toEqual(["master.key"]);
  });

  test("OPENTRACY_MASTER_KEY wins and makes no file; a bad one or a loose file is refused in words", async () => {
    const p = home();
    const env = { OPENTRACY_MASTER_KEY: Buffer.alloc(32, 5).toString("base64") };
    const ring = await loadKeyring(p, env, { create: true });
    expect(ring!.source).toBe("OPENTRACY_MASTER_KEY");
    expect(readdirSync(p.home)).toEqual([]);
    expect(loadKeyring(p, { OPENTRACY_MASTER_KEY: "c2hvcnQ=" })).rejects.toThrow("OPENTRACY_MASTER_KEY must be 32 random bytes in base64");
    await loadKeyring(p, {}, { create: true });
    chmodSync(masterKeyFile(p), 0o644);
    expect(loadKeyring(p, {})).rejects.toThrow("readable by other users");
  });

  test("a previous key opens what it sealed; new seals use the current one", async () => {
    const p = home();
    const old = Buffer.alloc(32, 1).toString("base64");
    const sealedOld = await (await loadKeyring(p, { OPENTRACY_MASTER_KEY: old }))!.seal("v", "secret/a");
    const ring = (await loadKeyring(p, { OPENTRACY_MASTER_KEY: Buffer.alloc(32, 2).toString("base64"), OPENTRACY_MASTER_KEY_PREVIOUS: old }))!;
    expect(await ring.open(sealedOld, "secret/a")).toBe("v");
    expect((await ring.seal("w", "secret/a")).split(".")[1]).toBe(ring.current.keyId);
  });
});
