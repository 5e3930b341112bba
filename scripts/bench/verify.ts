// Correctness while measuring: a sample of real answers is read in full and checked, so a target
// that is fast because it is broken (errors, cut streams, missing cost) shows up as errors.

import { expectedText } from "./mock-bodies.ts";
import type { Mode } from "./options.ts";
import type { Expectation } from "./workload.ts";

/** SSE `data:` payloads in order (enough of the format for the answers the mock produces). */
function dataLines(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) if (line.startsWith("data:")) out.push(line.slice(line[5] === " " ? 6 : 5));
  return out;
}

function checkExtras(obj: any, where: string): string | null {
  if (typeof obj?._cost !== "number" || !(obj._cost > 0))
    return `${where}: _cost is ${JSON.stringify(obj?._cost)}, expected a positive number (the model is priced)`;
  if (!obj._routing || typeof obj._routing.selected_model !== "string") return `${where}: _routing.selected_model missing`;
  if (typeof obj._latency_ms !== "number") return `${where}: _latency_ms missing`;
  return null;
}

/** null when the answer is right; otherwise what is wrong, in one line. */
export function checkAnswer(exp: Expectation, mode: Mode, chunks: number, status: number, headers: Headers, text: string): string | null {
  if (status !== 200) return `status ${status}: ${text.slice(0, 200)}`;
  if (exp.extras && !headers.get("x-opentracy-trace-id")) return "no x-opentracy-trace-id header";
  const want = expectedText(chunks);
  try {
    if (mode === "nonstream") {
      const body = JSON.parse(text);
      const got = exp.shape === "openai" ? body?.choices?.[0]?.message?.content : body?.content?.[0]?.text;
      if (got !== want) return `content ${JSON.stringify(String(got).slice(0, 60))}… is not the mock's answer`;
      return exp.extras ? checkExtras(body, "answer") : null;
    }
    if (!(headers.get("content-type") ?? "").startsWith("text/event-stream")) return `stream answered as ${headers.get("content-type")}`;
    const datas = dataLines(text);
    let got = "";
    if (exp.shape === "openai") {
      if (datas.at(-1) !== "[DONE]") return "stream does not end with data: [DONE]";
      let extrasSeen: any = null;
      for (const d of datas.slice(0, -1)) {
        const c = JSON.parse(d);
        if (c.error) return `stream error event: ${JSON.stringify(c.error).slice(0, 200)}`;
        got += c.choices?.[0]?.delta?.content ?? "";
        if ("_cost" in c) extrasSeen = c;
      }
      if (got !== want) return `streamed text has ${got.length} chars, expected ${want.length}`;
      return exp.extras ? (extrasSeen ? checkExtras(extrasSeen, "last chunk") : "no chunk carries _cost/_routing") : null;
    }
    let stopped = false;
    for (const d of datas) {
      const e = JSON.parse(d);
      if (e.type === "content_block_delta") got += e.delta?.text ?? "";
      if (e.type === "message_stop") stopped = true;
    }
    if (!stopped) return "stream has no message_stop";
    return got === want ? null : `streamed text has ${got.length} chars, expected ${want.length}`;
  } catch (e: any) {
    return `unparseable answer: ${e?.message ?? e}`;
  }
}
