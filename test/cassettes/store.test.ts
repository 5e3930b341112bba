import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cassetteKey, type CassetteRequest } from "../../src/cassettes/key.ts";
import { CassetteError, CassetteWriter, decodeChunk, encodeChunk, loadCassettes, type RecordedAnswer } from "../../src/cassettes/store.ts";

const tempDir = () => join(mkdtempSync(join(tmpdir(), "opentracy-cassette-store-")), "c");
const request = (content: string): CassetteRequest => ({
  method: "POST",
  path: "/v1/chat/completions",
  headers: {},
  body: { messages: [{ role: "user", content }] },
});
const answer = (text: string): RecordedAnswer => ({ status: 200, headers: { "content-type": "application/json" }, headers_ms: 5, chunks: [{ ms: 6, text }] });

describe("chunks", () => {
  test("text when the bytes are UTF-8, base64 when a read splits a character; both decode to the same bytes", () => {
    const euro = new TextEncoder().encode("€");
    const whole = encodeChunk(12.345, euro);
    expect(whole).toEqual({ ms: 12.3, text: "€" });
    const half = encodeChunk(1, euro.slice(0, 2));
    expect(half).toEqual({ ms: 1, base64: Buffer.from(euro.slice(0, 2)).toString("base64") });
    expect([...decodeChunk(whole)]).toEqual([...euro]);
    expect([...decodeChunk(half)]).toEqual([...euro.slice(0, 2)]);
  });
});

describe("CassetteWriter and loadCassettes", () => {
  test("one file per request, named by its key; the first answer of a session replaces the file's, later ones are appended", async () => {
    const dir = tempDir();
    const first = new CassetteWriter(dir);
    first.add(request("a"), answer("old"));
    await first.settled();
    const again = new CassetteWriter(dir);
    const key = again.add(request("a"), answer("one"));
    again.add(request("a"), answer("two"));
    again.add(request("b"), answer("b"));
    await again.settled();
    expect(key).toBe(cassetteKey(request("a")));
    expect(readdirSync(dir).sort()).toEqual([`${cassetteKey(request("a"))}.json`, `${cassetteKey(request("b"))}.json`].sort());
    const loaded = loadCassettes(dir);
    expect(loaded.size).toBe(2);
    expect(loaded.get(key)!.answers.map((a) => (a.chunks[0] as { text: string }).text)).toEqual(["one", "two"]);
  });

  test("the folder is 0700 and each file 0600: they hold whole prompts", async () => {
    const dir = tempDir();
    const writer = new CassetteWriter(dir);
    const key = writer.add(request("private"), answer("x"));
    await writer.settled();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, `${key}.json`)).mode & 0o777).toBe(0o600);
  });

  test("a written answer is not held: a later answer of the same request is appended to the file as it is on disk", async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const writer = new CassetteWriter(dir, (l) => lines.push(l));
    const key = writer.add(request("a"), answer("one"));
    await writer.settled();
    const file = join(dir, `${key}.json`);
    // Changed on disk between two answers: the writer can only know it by reading the file back.
    writeFileSync(file, readFileSync(file, "utf8").replace('"text": "one"', '"text": "one, from disk"'));
    writer.add(request("a"), answer("two"));
    await writer.settled();
    const texts = () =>
      loadCassettes(dir)
        .get(key)!
        .answers.map((a) => (a.chunks[0] as { text: string }).text);
    expect(texts()).toEqual(["one, from disk", "two"]);
    // Removed between two answers: the recording restarts with the new one, and says so.
    rmSync(file);
    writer.add(request("a"), answer("three"));
    await writer.settled();
    expect(texts()).toEqual(["three"]);
    expect(lines).toEqual([`the recording ${file} was removed while recording; it restarts with the latest answers`]);
  });

  test("many answers added while a file is being written all land, in order", async () => {
    const dir = tempDir();
    const writer = new CassetteWriter(dir);
    const texts = Array.from({ length: 50 }, (_, i) => `answer ${i}`);
    for (const t of texts.slice(0, 25)) writer.add(request("busy"), answer(t));
    const first = writer.settled();
    for (const t of texts.slice(25)) writer.add(request("busy"), answer(t));
    await first;
    await writer.settled();
    const [cassette] = [...loadCassettes(dir).values()];
    expect(cassette!.answers.map((a) => (a.chunks[0] as { text: string }).text)).toEqual(texts);
    expect(readdirSync(dir)).toHaveLength(1);
  });

  test("a write that fails is logged, naming the file, and does not stop later ones", async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const writer = new CassetteWriter(dir, (l) => lines.push(l));
    rmSync(dir, { recursive: true });
    const key = writer.add(request("lost"), answer("x"));
    await writer.settled();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toStartWith(`could not write the recording ${join(dir, `${key}.json`)}: `);
    mkdirSync(dir);
    writer.add(request("kept"), answer("y"));
    await writer.settled();
    expect(loadCassettes(dir).size).toBe(1);
  });

  test("a request edited by hand is found as edited", async () => {
    const dir = tempDir();
    const writer = new CassetteWriter(dir);
    const key = writer.add(request("a"), answer("x"));
    await writer.settled();
    const file = join(dir, `${key}.json`);
    writeFileSync(file, readFileSync(file, "utf8").replace('"content": "a"', '"content": "edited"'));
    expect([...loadCassettes(dir).keys()]).toEqual([cassetteKey(request("edited"))]);
  });

  test("a folder that cannot be created is refused, naming it", () => {
    const file = join(mkdtempSync(join(tmpdir(), "opentracy-cassette-store-")), "file");
    writeFileSync(file, "");
    expect(() => new CassetteWriter(join(file, "c"))).toThrow(new CassetteError(`cannot create the cassette folder ${join(file, "c")}: ENOTDIR`));
  });

  test("a missing folder, a file that is not JSON or not a recording is refused, naming it", () => {
    const dir = tempDir();
    expect(() => loadCassettes(dir)).toThrow(new CassetteError(`cassette folder not found: ${dir}`));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "notes.txt"), "ignored");
    expect(loadCassettes(dir).size).toBe(0);
    writeFileSync(join(dir, "bad.json"), "{");
    expect(() => loadCassettes(dir)).toThrow(`cassette ${join(dir, "bad.json")} is not JSON`);
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ version: 1, request: request("a"), answers: [] }));
    expect(() => loadCassettes(dir)).toThrow(`cassette ${join(dir, "bad.json")} is not a recording: answers:`);
  });
});
