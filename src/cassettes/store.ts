import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomicAsync } from "../fs/write-atomic.ts";
import { type CassetteRequest, cassetteKey } from "./key.ts";

/**
 * A cassette folder holds one JSON file per recorded request, `<sha256 of the request>.json`: the
 * request (key.ts) and the answers it got, in order. A chunk is the bytes of one network read and
 * when it arrived (ms after the request was sent), as text when it is valid UTF-8 (so an SSE
 * stream reads as itself), else base64.
 */
const chunkSchema = z.union([z.object({ ms: z.number(), text: z.string() }), z.object({ ms: z.number(), base64: z.string() })]);

const answerSchema = z.object({
  status: z.number().int().min(100).max(599),
  headers: z.record(z.string(), z.string()),
  /** When the status and headers arrived, ms after the request was sent. */
  headers_ms: z.number(),
  chunks: z.array(chunkSchema),
});

const cassetteSchema = z.object({
  version: z.literal(1),
  request: z.object({ method: z.string(), path: z.string(), headers: z.record(z.string(), z.string()), body: z.unknown() }),
  answers: z.array(answerSchema).min(1),
});

export type RecordedChunk = z.infer<typeof chunkSchema>;
export type RecordedAnswer = z.infer<typeof answerSchema>;
export interface Cassette {
  version: 1;
  request: CassetteRequest;
  answers: RecordedAnswer[];
}

/** A cassette folder or file that cannot be used; the message names it. */
export class CassetteError extends Error {}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function encodeChunk(ms: number, bytes: Uint8Array): RecordedChunk {
  const at = Math.round(ms * 10) / 10;
  try {
    return { ms: at, text: utf8.decode(bytes) };
  } catch {
    // A read that splits a multi-byte character, or a body that is not text.
    return { ms: at, base64: Buffer.from(bytes).toString("base64") };
  }
}

export function decodeChunk(chunk: RecordedChunk): Uint8Array {
  return "text" in chunk ? new TextEncoder().encode(chunk.text) : new Uint8Array(Buffer.from(chunk.base64, "base64"));
}

/** The recordings' file names in `dir`, sorted (not hidden, so a write's temp file is never one). */
export function cassetteFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CassetteError(`cassette folder not found: ${dir}`);
  return readdirSync(dir)
    .filter((name) => name.endsWith(".json") && !name.startsWith("."))
    .sort();
}

/**
 * Every recording in `dir`, by the key of its request (recomputed, so a request edited by hand is
 * found as edited). A file that is not a recording stops the load: a replay that silently lacked
 * it would fail later, further from the cause.
 */
export function loadCassettes(dir: string): Map<string, Cassette> {
  const out = new Map<string, Cassette>();
  for (const name of cassetteFiles(dir)) {
    const path = join(dir, name);
    const cassette = parseCassette(path, readFileSync(path, "utf8"));
    out.set(cassetteKey(cassette.request), cassette);
  }
  return out;
}

function parseCassette(path: string, text: string): Cassette {
  let parsed;
  try {
    parsed = cassetteSchema.safeParse(JSON.parse(text));
  } catch (e) {
    throw new CassetteError(`cassette ${path} is not JSON: ${(e as Error).message}`);
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CassetteError(`cassette ${path} is not a recording: ${issue.path.join(".") || "(top)"}: ${issue.message}`);
  }
  return parsed.data as Cassette;
}

/**
 * Writes recordings to `dir`, each file replaced atomically and readable by its owner only (it
 * holds whole prompts). The first answer a request gets in this session replaces what the folder
 * held for it (recording again refreshes, never piles up); later ones in the same session are
 * appended, to be replayed in order. Writes happen off the event loop, one at a time, and
 * coalesce: answers that arrive while a file is being written go out together in the next turn.
 * An answer is held only until its turn: a later answer of a request already written this session
 * reads the file back and appends to it, so memory does not grow with the session.
 */
export class CassetteWriter {
  /** Answers not yet written, by key. */
  private readonly pending = new Map<string, Cassette>();
  /** Keys whose file this session has written: a later answer appends to it instead of replacing it. */
  private readonly written = new Set<string>();
  private writing: Promise<void> | null = null;

  constructor(
    readonly dir: string,
    private readonly log: (line: string) => void = () => {},
  ) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new CassetteError(`cannot create the cassette folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }

  /** Adds an answer to its request's recording and schedules the file's write; returns the key. */
  add(request: CassetteRequest, answer: RecordedAnswer): string {
    const key = cassetteKey(request);
    const cassette = this.pending.get(key);
    if (cassette) cassette.answers.push(answer);
    else this.pending.set(key, { version: 1, request, answers: [answer] });
    this.writing ??= this.drain().finally(() => {
      this.writing = null;
    });
    return key;
  }

  /** Resolves once every answer added so far is on disk (or its failure logged): before the engine exits. */
  settled(): Promise<void> {
    return this.writing ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    while (this.pending.size) {
      const batch = [...this.pending];
      this.pending.clear();
      for (const [key, fresh] of batch) {
        const path = join(this.dir, `${key}.json`);
        try {
          const cassette = this.written.has(key) ? await this.appended(path, fresh) : fresh;
          await writeFileAtomicAsync(path, `${JSON.stringify(cassette, null, 1)}\n`, 0o600);
          this.written.add(key);
        } catch (e) {
          this.log(`could not write the recording ${path}: ${(e as Error).message}`);
        }
      }
    }
  }

  /** The file this session wrote for the request, with `fresh`'s answers after its own. */
  private async appended(path: string, fresh: Cassette): Promise<Cassette> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      // Deleted since: what this session recorded before is gone; keep what is new.
      this.log(`the recording ${path} was removed while recording; it restarts with the latest answers`);
      return fresh;
    }
    const cassette = parseCassette(path, text);
    cassette.answers.push(...fresh.answers);
    return cassette;
  }
}
