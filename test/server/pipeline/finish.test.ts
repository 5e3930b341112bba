import { describe, expect, test } from "bun:test";
import { Call } from "../../../src/server/call.ts";
import { finishOnce } from "../../../src/server/pipeline/finish.ts";
import type { TraceRecord } from "../../../src/traces/record.ts";

describe("finishOnce", () => {
  test("records the trace and releases once, however often a step calls it", () => {
    const traces: TraceRecord[] = [];
    let released = 0;
    const call = new Call();
    call.requested = "gpt-4o";
    const finish = finishOnce(call, { enqueue: (r) => void traces.push(r), discards: false }, () => released++);
    finish(502, { type: "upstream_error", message: "cut off" });
    finish(499, { type: "client_disconnected", message: "late cleanup" });
    expect(released).toBe(1);
    expect(traces).toHaveLength(1);
    expect(traces[0]).toMatchObject({ id: call.id, requested_model: "gpt-4o", status: "error", http_status: 502, error_type: "upstream_error" });
  });

  test("with traces off no record is built, and the slot is still released", () => {
    let built = 0;
    const call = new Call();
    call.toRecord = () => {
      built++;
      throw new Error("must not be built");
    };
    let released = 0;
    finishOnce(call, { enqueue: () => {}, discards: true }, () => released++)(200, null);
    expect(built).toBe(0);
    expect(released).toBe(1);
  });
});
