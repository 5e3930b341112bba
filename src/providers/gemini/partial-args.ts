import { badUpstream } from "../errors.ts";
import type { PartialArg } from "./wire.ts";
import { PROVIDER } from "./wire.ts";

type Segment = string | number;

interface Frame {
  kind: "object" | "array";
  key: Segment | null;
  count: number;
}

/**
 * Streamed function-call arguments (`functionCall.partialArgs`, sent by Vertex when
 * `streamFunctionCallArguments` is on; see fixtures/google-stream-tool-call-arguments) → the JSON
 * text of OpenAI's `arguments`, emitted piece by piece as the values arrive.
 *
 * Each PartialArg names one leaf value by JSON path (`$.a.b[0]`); a string may arrive in several
 * pieces (`willContinue`). The writer keeps only the chain of containers it is inside, so memory
 * is bounded by the depth of the arguments, not their size; the pieces concatenate to valid JSON
 * once `end()` has closed what is still open.
 */
export class ArgumentsWriter {
  private stack: Frame[] = [{ kind: "object", key: null, count: 0 }];
  /** The path (as JSON) of a string still waiting for its next piece. */
  private openString: string | null = null;

  start(): string {
    return "{";
  }

  add(args: PartialArg[] | undefined): string {
    let out = "";
    for (const arg of args ?? []) out += this.one(arg);
    return out;
  }

  end(): string {
    let out = this.closeString();
    while (this.stack.length) out += this.close();
    return out;
  }

  private one(arg: PartialArg): string {
    const path = typeof arg.jsonPath === "string" ? parseJsonPath(arg.jsonPath) : null;
    if (!path?.length) throw badUpstream(PROVIDER, `function call argument path ${JSON.stringify(arg.jsonPath)} is not a JSON path`);
    const pathKey = JSON.stringify(path);
    if (this.openString === pathKey && typeof arg.stringValue === "string") {
      return escapeString(arg.stringValue) + (arg.willContinue ? "" : this.closeString());
    }
    let out = this.closeString();

    const parent = path.slice(0, -1);
    const leaf = path[path.length - 1];
    let common = 0;
    while (common < parent.length && common + 1 < this.stack.length && this.stack[common + 1].key === parent[common]) common++;
    while (this.stack.length > common + 1) out += this.close();
    for (let depth = common; depth < parent.length; depth++) {
      const next = depth + 1 < parent.length ? parent[depth + 1] : leaf;
      const kind = typeof next === "number" ? "array" : "object";
      out += this.member(parent[depth]) + (kind === "array" ? "[" : "{");
      this.stack.push({ kind, key: parent[depth], count: 0 });
    }
    out += this.member(leaf);

    if (typeof arg.stringValue === "string") {
      out += `"${escapeString(arg.stringValue)}`;
      if (arg.willContinue) this.openString = pathKey;
      else out += '"';
    } else if (typeof arg.numberValue === "number") {
      out += Number.isFinite(arg.numberValue) ? JSON.stringify(arg.numberValue) : "null";
    } else if (typeof arg.boolValue === "boolean") {
      out += String(arg.boolValue);
    } else {
      out += "null";
    }
    return out;
  }

  private member(segment: Segment): string {
    const top = this.stack[this.stack.length - 1];
    const separator = top.count++ ? "," : "";
    return top.kind === "object" ? `${separator}${JSON.stringify(String(segment))}:` : separator;
  }

  private close(): string {
    return this.stack.pop()!.kind === "object" ? "}" : "]";
  }

  private closeString(): string {
    if (this.openString === null) return "";
    this.openString = null;
    return '"';
  }
}

const escapeString = (s: string) => JSON.stringify(s).slice(1, -1);

// RFC 9535 normalized paths: $.name, $['name'], $["name"], $[0].
const PATH_TOKEN = /\.([^.[\]]+)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]/y;
const ESCAPE = /\\(.)/g;

export function parseJsonPath(path: string): Segment[] | null {
  if (!path.startsWith("$")) return null;
  const segments: Segment[] = [];
  let at = 1;
  while (at < path.length) {
    PATH_TOKEN.lastIndex = at;
    const m = PATH_TOKEN.exec(path);
    if (!m) return null;
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else segments.push((m[3] ?? m[4]).replace(ESCAPE, "$1"));
    at = PATH_TOKEN.lastIndex;
  }
  return segments;
}
