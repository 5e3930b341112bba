import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ADAPTERS } from "../../src/providers/adapters.ts";
import { UpstreamError } from "../../src/providers/errors.ts";
import { PROVIDERS } from "../../src/providers/registry.ts";
import type { Target } from "../../src/providers/types.ts";
import { eachChunk } from "../helpers/translated-chunks.ts";

// Whatever bytes an upstream sends, a stream parser either yields chunks or throws UpstreamError
// (which the engine turns into an error event); anything else would be a 500 or a crash.
const target = (name: string): Target => ({
  provider: PROVIDERS.get(name)!,
  model: name === "bedrock" ? "anthropic.claude-3-5-sonnet-20240620-v1:0" : "some-model",
  baseUrl: "http://127.0.0.1:9",
  key: "k",
  headers: {},
});

const bodyOf = (parts: Uint8Array[]) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (const p of parts) c.enqueue(p);
      c.close();
    },
  });

const enc = new TextEncoder();
// Bytes that look like the formats, so the fuzzer reaches past the first line of each parser.
const sseish = fc
  .array(
    fc.oneof(
      fc.constantFrom("data: ", "event: ", "\n", "\n\n", "\r\n", "[DONE]", "{", "}", '"choices":[', '"type":"message_start"', '"candidates":[', ":", ","),
      fc.string(),
      fc.json(),
    ),
    { maxLength: 40 },
  )
  .map((xs) => enc.encode(xs.join("")));
const bytes = fc.oneof(sseish, fc.uint8Array({ maxLength: 512 }));
const chunked = fc.array(bytes, { minLength: 1, maxLength: 6 });

for (const protocol of Object.keys(ADAPTERS) as (keyof typeof ADAPTERS)[]) {
  const provider = [...PROVIDERS.values()].find((p) => p.protocol === protocol)!.name;
  describe(`${protocol} stream parser`, () => {
    test("arbitrary bytes: chunks or UpstreamError, nothing else", async () => {
      await fc.assert(
        fc.asyncProperty(chunked, async (parts) => {
          try {
            for await (const c of eachChunk(ADAPTERS[protocol].streamChunks(bodyOf(parts), target(provider)))) {
              expect(Array.isArray(c.chunk.choices)).toBe(true);
            }
          } catch (e) {
            if (!(e instanceof UpstreamError)) throw e;
            expect(e.mapped.status).toBeGreaterThanOrEqual(400);
          }
        }),
        { numRuns: 300 },
      );
    });

    test("arbitrary error bodies map to an OpenAI error with an error status", () => {
      fc.assert(
        fc.property(fc.constantFrom(400, 401, 403, 404, 408, 413, 422, 429, 500, 502, 503, 504, 529), fc.oneof(fc.string(), fc.json()), (status, text) => {
          const m = ADAPTERS[protocol].mapError(status, text, new Headers(), target(provider));
          expect(typeof m.error.message).toBe("string");
          expect(typeof m.error.type).toBe("string");
          expect(m.status).toBeGreaterThanOrEqual(400);
        }),
        { numRuns: 300 },
      );
    });
  });
}
