import { describe, expect, test } from "bun:test";
import { SealError, Sealer, sealedKeyId } from "../../src/settings/seal.ts";

const master = (fill: number) => new Uint8Array(32).fill(fill);

describe("Sealer", () => {
  test("seals with a fresh IV each time and opens what it sealed, on the same row only", async () => {
    const s = await Sealer.fromMasterKey(master(1));
    const a = await s.seal("sk-secret-value", "secret/openai_api_key");
    const b = await s.seal("sk-secret-value", "secret/openai_api_key");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^ots1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(a).not.toContain("sk-secret");
    expect(await s.open(a, "secret/openai_api_key")).toBe("sk-secret-value");
    expect(s.open(a, "secret/groq_api_key")).rejects.toThrow("secret/groq_api_key does not open");
  });

  test("the key id is stable for a key, differs between keys, and a wrong key is named as such", async () => {
    const one = await Sealer.fromMasterKey(master(1));
    const again = await Sealer.fromMasterKey(master(1));
    const two = await Sealer.fromMasterKey(master(2));
    expect(one.keyId).toBe(again.keyId);
    expect(one.keyId).not.toBe(two.keyId);
    const sealed = await one.seal("x", "secret/a");
    expect(sealedKeyId(sealed)).toBe(one.keyId);
    expect(two.open(sealed, "secret/a")).rejects.toThrow(`sealed under master key ${one.keyId}, but this engine's master key is ${two.keyId}`);
  });

  test("a flipped byte, a foreign format and a short key are refused with a SealError", async () => {
    const s = await Sealer.fromMasterKey(master(3));
    const sealed = await s.seal("value", "secret/a");
    const parts = sealed.split(".");
    const ct = Buffer.from(parts[3]!, "base64url");
    ct[0] ^= 1;
    parts[3] = ct.toString("base64url");
    expect(s.open(parts.join("."), "secret/a")).rejects.toBeInstanceOf(SealError);
    expect(s.open("plain-text-key", "secret/a")).rejects.toThrow("not a sealed secret");
    expect(Sealer.fromMasterKey(new Uint8Array(16))).rejects.toThrow("a master key is 32 bytes");
  });
});
