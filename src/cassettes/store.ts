import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
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

/**
 * Every recording in `dir`, by the key of its request (recomputed, so a request edited by hand is
 * found as edited). A file that is not a recording stops the load: a replay that silently lacked
 * it would fail later, further from the cause.
 */
export function loadCassettes(dir: string): Map<string, Cassette> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CassetteError(`cassette folder not found: ${dir}`);
  const out = new Map<string, Cassette>();
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith(".json") || name.startsWith(".")) continue;
    const path = join(dir, name);
    let parsed;
    try {
      parsed = cassetteSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
    } catch (e) {
      throw new CassetteError(`cassette ${path} is not JSON: ${(e as Error).message}`);
    }
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new CassetteError(`cassette ${path} is not a recording: ${issue.path.join(".") || "(top)"}: ${issue.message}`);
    }
    const cassette = parsed.data as Cassette;
    out.set(cassetteKey(cassette.request), cassette);
  }
  return out;
}

/**
 * Writes recordings to `dir`, each file replaced atomically. The first answer a request gets in
 * this session replaces what the folder held for it (recording again refreshes, never piles up);
 * later ones in the same session are appended, to be replayed in order. Writes happen off the
 * event loop, one at a time, and coalesce: a request answered many times while its file was being
 * written is written once more, with every answer, not once per answer.
 */
export class CassetteWriter {
  private readonly session = new Map<string, Cassette>();
  private readonly dirty = new Set<string>();
  private writing: Promise<void> | null = null;

  constructor(
    readonly dir: string,
    private readonly log: (line: string) => void = () => {},
  ) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new CassetteError(`cannot create the cassette folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }

  /** Adds an answer to its request's recording and schedules the file's write; returns the key. */
  add(request: CassetteRequest, answer: RecordedAnswer): string {
    const key = cassetteKey(request);
    const cassette = this.session.get(key);
    if (cassette) cassette.answers.push(answer);
    else this.session.set(key, { version: 1, request, answers: [answer] });
    this.dirty.add(key);
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
    while (this.dirty.size) {
      const keys = [...this.dirty];
      this.dirty.clear();
      for (const key of keys) {
        const path = join(this.dir, `${key}.json`);
        try {
          await writeFileAtomicAsync(path, `${JSON.stringify(this.session.get(key), null, 1)}\n`, 0o644);
        } catch (e) {
          this.log(`could not write the recording ${path}: ${(e as Error).message}`);
        }
      }
    }
  }
}
