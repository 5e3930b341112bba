import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Queued } from "../../../src/cli/replay/select.ts";
import { type Outcome, sendAll } from "../../../src/cli/replay/send.ts";
import { type FakeOpenAI, startFakeOpenAI, streamGate } from "../../fakes/openai-upstream.ts";
import { makeTrace } from "../../helpers/trace-factory.ts";

// The fake answers /v1/chat/completions as the engine would: sendAll needs nothing more of it.
let engine: FakeOpenAI;
let url: string;
beforeAll(async () => {
  engine = await startFakeOpenAI({ requireKey: false });
  url = engine.url.replace(/\/v1$/, "");
});
afterAll(() => engine?.close());

const queued = (index: number): Queued => ({ index, record: makeTrace({ request: [{ role: "user", content: `q${index}` }], request_params: {} }) });
const options = (concurrency: number) => ({ url, to: "gpt-4o-mini", run: "t", concurrency });

describe("sendAll", () => {
  test("holds no more records than calls in flight: each is asked for when a sender is free, and let go with its outcome", async () => {
    let handed = 0;
    let held = 0;
    let most = 0;
    const next = async () => {
      if (handed === 10) return null;
      held++;
      most = Math.max(most, held);
      return queued(handed++);
    };
    const outcomes: Outcome[] = [];
    await sendAll(next, options(3), (_, o) => {
      held--;
      outcomes.push(o);
    });
    expect(outcomes).toHaveLength(10);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(most).toBeLessThanOrEqual(3);
  });

  test("any error stops every sender and abandons the calls in flight before it is thrown", async () => {
    const gate = streamGate();
    engine.script({ content: "held", gate });
    let asked = 0;
    const next = async () => {
      asked++;
      if (asked === 1) return queued(0);
      // The first call is in flight, held by the engine, when the store fails under the second sender.
      await gate.waiting();
      throw new Error("the store went away");
    };
    const outcomes: Outcome[] = [];
    await expect(sendAll(next, options(2), (_, o) => outcomes.push(o))).rejects.toThrow("the store went away");
    // The held call was given up, not left to run out its timeout while the command reports the error.
    expect((await engine.aborted()).path).toBe("/v1/chat/completions");
    expect(outcomes).toEqual([]);
    expect(asked).toBe(2);
  });
});
