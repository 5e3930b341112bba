// Deterministic stand-ins for embedding vectors, shared by the fakes and the tests that check
// them: the same input always gives the same unit-length vector, different inputs different ones,
// so a test can tell which vector answers which input (order) without a model.
// Every value is a float32 (Math.fround), as real APIs compute them: `encoding_format: "base64"`
// (float32 bytes) and a JSON float then decode to exactly the same numbers.

/** An input (a text or a token array) → `dims` float32 values of length 1. */
export function fakeEmbedding(input: string | readonly number[], dims: number): number[] {
  const key = typeof input === "string" ? input : `tokens:${input.join(",")}`;
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  let state = h >>> 0 || 1;
  const raw: number[] = [];
  for (let i = 0; i < dims; i++) {
    // xorshift32
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    raw.push(state / 0xffffffff - 0.5);
  }
  const norm = Math.hypot(...raw) || 1;
  return raw.map((v) => Math.fround(v / norm));
}

/** float32 values → little-endian bytes in base64, as OpenAI's `encoding_format: "base64"` sends them. */
export function float32Base64(values: readonly number[]): string {
  return Buffer.from(new Float32Array(values).buffer).toString("base64");
}

/** A crude token count for fakes: words and punctuation marks (a real tokenizer differs; the fakes only need to be consistent). */
export function fakeTokenCount(input: string | readonly number[]): number {
  if (typeof input !== "string") return input.length;
  return Math.max(1, input.match(/\w+|[^\s\w]/g)?.length ?? 0);
}
