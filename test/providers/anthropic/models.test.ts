import { describe, expect, test } from "bun:test";
import { modelTraits } from "../../../src/providers/anthropic/models.ts";

describe("model traits from the id", () => {
  test("the documented table, for aliases, dated snapshots, old naming and models newer than the table", () => {
    const rows: Array<[string, number, "budget" | "adaptive", boolean, boolean]> = [
      // id, max output, thinking form, rejects sampling, one of temperature/top_p
      ["claude-3-haiku-20240307", 4096, "budget", false, false],
      ["claude-3-5-haiku-20241022", 8192, "budget", false, false],
      ["claude-3-5-sonnet-latest", 8192, "budget", false, false],
      ["claude-3-7-sonnet-20250219", 64_000, "budget", false, false],
      ["claude-opus-4-20250514", 32_000, "budget", false, false],
      ["claude-sonnet-4-20250514", 64_000, "budget", false, false],
      ["claude-sonnet-4-0", 64_000, "budget", false, false],
      ["claude-opus-4-1-20250805", 32_000, "budget", false, true],
      ["claude-sonnet-4-5", 64_000, "budget", false, true],
      ["claude-sonnet-4-5@20250929", 64_000, "budget", false, true],
      ["claude-haiku-4-5-20251001", 64_000, "budget", false, true],
      ["claude-opus-4-5-20251101", 64_000, "budget", false, true],
      ["claude-sonnet-4-6", 64_000, "adaptive", false, true],
      ["claude-opus-4-6", 128_000, "adaptive", false, true],
      ["claude-opus-4-7", 128_000, "adaptive", true, true],
      ["claude-opus-4-8", 128_000, "adaptive", true, true],
      ["claude-sonnet-5", 128_000, "adaptive", true, true],
      ["claude-opus-5-5", 128_000, "adaptive", true, true],
      ["claude-haiku-5-5", 64_000, "adaptive", true, true],
      ["claude-fable-5", 128_000, "adaptive", true, true],
      ["claude-mythos-preview", 128_000, "adaptive", true, true],
      ["my-finetune", 4096, "budget", false, false],
      ["claude-instant-1.2", 4096, "budget", false, false],
    ];
    for (const [id, maxOutput, thinking, rejectsSampling, oneSamplingParam] of rows) {
      expect([id, modelTraits(id)]).toEqual([id, { maxOutput, thinking, rejectsSampling, oneSamplingParam }]);
    }
  });
});
