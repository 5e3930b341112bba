import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Spool, SpoolFullError } from "../../../src/traces/clickhouse/spool.ts";

const dir = () => join(mkdtempSync(join(tmpdir(), "spool-")), "spool");
const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${JSON.stringify({ tag, i })}\n`).join("");
const tokens = async (s: Spool) => (await s.peek(1e9)).map((g) => g.frame.token);

describe("Spool", () => {
  test("batches come back in order with their payloads; acked ones are gone, also after reopening", async () => {
    const d = dir();
    const s = new Spool(d);
    await s.append("a", lines(2, "a"), 2);
    await s.append("b", lines(3, "b"), 3);
    await s.append("c", lines(1, "c"), 1);
    expect([s.batches, s.rows]).toEqual([3, 6]);
    const head = await s.peek(4);
    expect(head.map((g) => g.frame.token)).toEqual(["a"]); // a (2) + b (3) would pass 4 rows
    expect(head[0].payload).toBe(lines(2, "a"));
    await s.ack(1);
    expect(await tokens(s)).toEqual(["b", "c"]);
    // Killed now: no close. A new spool on the folder has what was not acked.
    const again = new Spool(d);
    expect(again.id).toBe(s.id);
    expect(await tokens(again)).toEqual(["b", "c"]);
    expect((await again.peek(10))[1].payload).toBe(lines(1, "c"));
    await again.append("d", lines(1, "d"), 1);
    expect(await tokens(again)).toEqual(["b", "c", "d"]);
    await again.ack(3);
    expect(again.batches).toBe(0);
    expect(readdirSync(d).sort()).toEqual(["id"]);
    await Promise.all([s.close(), again.close()]);
  });

  test("files are private, and a frame torn by a crash is ignored with everything after it", async () => {
    const d = dir();
    const s = new Spool(d);
    await s.append("a", lines(2, "a"), 2);
    await s.append("b", lines(2, "b"), 2);
    await s.close();
    const [seg] = readdirSync(d).filter((n) => n.endsWith(".log"));
    expect(statSync(join(d, seg)).mode & 0o777).toBe(0o600);
    expect(statSync(d).mode & 0o777).toBe(0o700);
    const size = statSync(join(d, seg)).size;
    truncateSync(join(d, seg), size - 5); // the last write was cut short
    const after = new Spool(d);
    expect(await tokens(after)).toEqual(["a"]);
    expect(after.torn).toHaveLength(1);
    // A changed byte fails the checksum the same way.
    const bytes = readFileSync(join(d, seg));
    const at = bytes.indexOf("\n") + 3;
    bytes[at] = bytes[at] ^ 1;
    writeFileSync(join(d, seg), bytes);
    expect(await tokens(new Spool(d))).toEqual([]);
  });

  test("past its size limit the spool refuses instead of filling the disk", async () => {
    const s = new Spool(dir(), { maxBytes: 300 });
    await s.append("a", lines(2, "a"), 2);
    await expect(s.append("b", lines(20, "b"), 20)).rejects.toBeInstanceOf(SpoolFullError);
    expect(s.batches).toBe(1);
    await s.close();
  });

  test("a new run writes a new segment; old segments are removed once replayed", async () => {
    const d = dir();
    const s1 = new Spool(d, { segmentBytes: 100 });
    for (const t of ["a", "b", "c"]) await s1.append(t, lines(2, t), 2);
    await s1.close();
    const s2 = new Spool(d, { segmentBytes: 100 });
    await s2.append("d", lines(1, "d"), 1);
    const segs = readdirSync(d)
      .filter((n) => n.endsWith(".log"))
      .sort();
    expect(segs.length).toBe(4);
    await s2.ack(2);
    expect(
      readdirSync(d)
        .filter((n) => n.endsWith(".log"))
        .sort(),
    ).toEqual(segs.slice(2));
    await s2.close();
    expect(await tokens(new Spool(d))).toEqual(["c", "d"]);
  });
});
