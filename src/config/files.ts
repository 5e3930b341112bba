import { readFileSync } from "node:fs";
import { parse as parseLenient, printParseErrorCode, type ParseError } from "jsonc-parser";
import type { z } from "zod";
import { writeFileAtomic } from "../fs/write-atomic.ts";

/** A config or secrets file that exists but cannot be used; the message names the file and field. */
export class ConfigFileError extends Error {}

/** Reads and validates a JSON file; a missing file is `fallback`, a bad one throws and is never rewritten. */
export function readJsonFile<S extends z.ZodType>(path: string, schema: S, fallback: unknown): z.infer<S> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e: any) {
    if (e?.code === "ENOENT") return schema.parse(fallback);
    throw new ConfigFileError(`${path}: cannot read (${e?.code ?? e}); check the folder and its permissions`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e: any) {
    throw new ConfigFileError(`${path}: ${syntaxError(text) ?? `not valid JSON (${e?.message ?? e})`}; fix or remove the file`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.length ? issue.path.map(String).join(".") : "(top level)";
    throw new ConfigFileError(`${path}: field ${field}: ${issue.message}; fix or remove the file`);
  }
  return parsed.data;
}

/** "line 3, column 14: ..." for the first syntax error; the engine's own JSON.parse says only what, not where. */
function syntaxError(text: string): string | null {
  const errors: ParseError[] = [];
  parseLenient(text, errors, { allowTrailingComma: false, disallowComments: true });
  const first = errors[0];
  if (!first) return null;
  const before = text.slice(0, first.offset);
  const line = before.split("\n").length;
  const column = first.offset - before.lastIndexOf("\n");
  return `line ${line}, column ${column}: ${printParseErrorCode(first.error)}`;
}

export function writeJsonAtomic(path: string, value: unknown, mode: number): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, mode);
}
