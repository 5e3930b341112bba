import { describe, expect, test } from "bun:test";
import { compareAnswers } from "../../../src/cli/replay/compare.ts";

const say = (content: string | null, tool_calls?: unknown[]) => [{ role: "assistant", content, ...(tool_calls ? { tool_calls } : {}) }];
const call = (name: string, args: string) => ({ id: `call_${name}`, type: "function", function: { name, arguments: args } });

describe("compareAnswers", () => {
  test("text agrees once trimmed, and only then", () => {
    expect(compareAnswers(say("Paris"), say("  Paris\n"))).toEqual({ text: true, json: null, tools: null, agrees: true });
    expect(compareAnswers(say("Paris"), say("paris"))).toEqual({ text: false, json: null, tools: null, agrees: false });
    // A bare number is text, not structure: "4" and "4.0" differ.
    expect(compareAnswers(say("4"), say("4.0")).json).toBeNull();
  });

  test("a JSON answer is judged by its value: key order and spacing do not matter, values do", () => {
    const same = compareAnswers(say('{"a":1,"b":[1,2]}'), say('{ "b": [1, 2], "a": 1 }'));
    expect(same).toEqual({ text: false, json: true, tools: null, agrees: true });
    const other = compareAnswers(say('{"a":1,"b":[1,2]}'), say('{"a":1,"b":[2,1]}'));
    expect(other).toMatchObject({ json: false, agrees: false });
    expect(compareAnswers(say('{"a":1}'), say("not json"))).toMatchObject({ json: false, agrees: false });
  });

  test("tool calls agree on name and parsed arguments, in any order", () => {
    const recorded = say(null, [call("get_weather", '{"city":"Paris","unit":"c"}'), call("lookup", '{"id":1}')]);
    const reordered = say(null, [call("lookup", '{ "id": 1 }'), call("get_weather", '{"unit":"c","city":"Paris"}')]);
    expect(compareAnswers(recorded, reordered)).toEqual({ text: null, json: null, tools: true, agrees: true });
    const otherArgs = say(null, [call("lookup", '{"id":2}'), call("get_weather", '{"unit":"c","city":"Paris"}')]);
    expect(compareAnswers(recorded, otherArgs)).toMatchObject({ tools: false, agrees: false });
    expect(compareAnswers(recorded, say(null, [call("lookup", '{"id":1}')]))).toMatchObject({ tools: false });
    // A text answer where the original called a tool disagrees on both counts.
    expect(compareAnswers(recorded, say("I would call a tool"))).toMatchObject({ text: false, tools: false, agrees: false });
  });

  test("arguments that are not JSON are compared as written", () => {
    expect(compareAnswers(say(null, [call("f", "x=1")]), say(null, [call("f", "x=1")])).tools).toBe(true);
    expect(compareAnswers(say(null, [call("f", "x=1")]), say(null, [call("f", "x = 1")])).tools).toBe(false);
  });

  test("choices are compared one by one; a missing answer disagrees", () => {
    const two = [...say("a"), ...say("b")];
    expect(compareAnswers(two, [...say("a"), ...say("b")]).agrees).toBe(true);
    expect(compareAnswers(two, [...say("b"), ...say("a")]).agrees).toBe(false);
    expect(compareAnswers(say("a"), null).agrees).toBe(false);
  });

  test("text in content parts counts as the message's text", () => {
    const parts = [
      {
        role: "assistant",
        content: [
          { type: "text", text: "Par" },
          { type: "text", text: "is" },
        ],
      },
    ];
    expect(compareAnswers(say("Paris"), parts).text).toBe(true);
  });
});
