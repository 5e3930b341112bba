/**
 * Sealing of stored secrets (provider keys) under the master key, in the engine and only there:
 * AES-256-GCM through WebCrypto, under a key derived from the master key with HKDF-SHA256, a fresh
 * 96-bit IV per seal, and associated data naming the row the secret belongs to, so a ciphertext
 * copied onto another row fails to open. ClickHouse's own encrypt() is never used: its key would
 * travel in the query text and could land in system.query_log.
 *
 * Stored text: `ots1.<key id>.<iv>.<ciphertext+tag>` (base64url). `ots1` is the format version;
 * the key id tells which master key sealed it, so a wrong key is named as such instead of being
 * reported as corruption.
 */

const FORMAT = "ots1";
const enc = new TextEncoder();
const dec = new TextDecoder();

/** A secret that cannot be opened; the message says why in words a user can act on. */
export class SealError extends Error {}

export const MASTER_KEY_BYTES = 32;

export class Sealer {
  private constructor(
    /** 8 hex digits derived from the master key: tells keys apart, says nothing about them. */
    readonly keyId: string,
    private readonly key: CryptoKey,
  ) {}

  static async fromMasterKey(master: Uint8Array): Promise<Sealer> {
    if (master.length !== MASTER_KEY_BYTES) throw new SealError(`a master key is ${MASTER_KEY_BYTES} bytes; this one is ${master.length}`);
    const base = await crypto.subtle.importKey("raw", Uint8Array.from(master), "HKDF", false, ["deriveKey", "deriveBits"]);
    const hkdf = (info: string) => ({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: enc.encode(info) });
    const idBits = await crypto.subtle.deriveBits(hkdf("opentracy/key-id"), base, 32);
    const key = await crypto.subtle.deriveKey(hkdf("opentracy/secrets/v1"), base, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
    return new Sealer(Buffer.from(idBits).toString("hex"), key);
  }

  /** `row` names where the secret is stored (e.g. `secret/openai_api_key`); opening needs the same name. */
  async seal(plain: string, row: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: enc.encode(row) }, this.key, enc.encode(plain));
    return [FORMAT, this.keyId, b64(iv), b64(new Uint8Array(ct))].join(".");
  }

  async open(sealed: string, row: string): Promise<string> {
    const parts = sealed.split(".");
    if (parts.length !== 4 || parts[0] !== FORMAT) throw new SealError(`${row}: not a sealed secret this engine can read (expected ${FORMAT}.…)`);
    const [, keyId, iv, ct] = parts as [string, string, string, string];
    if (keyId !== this.keyId)
      throw new SealError(
        `${row} was sealed under master key ${keyId}, but this engine's master key is ${this.keyId}; set the OPENTRACY_MASTER_KEY it was sealed with`,
      );
    try {
      const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: unb64(iv), additionalData: enc.encode(row) }, this.key, unb64(ct));
      return dec.decode(plain);
    } catch {
      throw new SealError(`${row} does not open under master key ${keyId}: it was altered or copied from another row`);
    }
  }
}

/** The key id written in a sealed text, or null when it is not one. */
export function sealedKeyId(sealed: string): string | null {
  const parts = sealed.split(".");
  return parts.length === 4 && parts[0] === FORMAT ? parts[1]! : null;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
const unb64 = (text: string) => new Uint8Array(Buffer.from(text, "base64url"));
