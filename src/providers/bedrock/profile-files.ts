import { readFileSync, statSync } from "node:fs";

/** One INI file as AWS tools write it: section name → key → value. */
export type IniSections = ReadonlyMap<string, ReadonlyMap<string, string>>;

const SECTION = /^\[\s*([^\]]+?)\s*\]\s*$/;
const KEY_VALUE = /^([^=\s][^=]*?)\s*=\s*(.*)$/;
const COMMENT = /^[#;]/;
const INDENTED = /^\s/;
const LINE_BREAK = /\r?\n/;

interface CacheEntry {
  mtimeMs: number;
  size: number;
  sections: IniSections;
}

// Keyed by path. Bounded by how many distinct AWS_*_FILE paths one process sees, in practice 2.
const cache = new Map<string, CacheEntry>();

/**
 * The sections of `~/.aws/credentials` or `~/.aws/config`, read once and kept until the file
 * changes. Each call costs one stat, not a read: tools like `aws sso login` or aws-vault rewrite
 * these files with fresh temporary keys, and a running engine should pick them up without a
 * restart. A missing or unreadable file is an empty one (AWS tools treat it the same way).
 */
export function readIniFile(path: string): IniSections {
  let mtimeMs: number;
  let size: number;
  try {
    const st = statSync(path);
    mtimeMs = st.mtimeMs;
    size = st.size;
  } catch {
    cache.delete(path);
    return new Map();
  }
  const hit = cache.get(path);
  if (hit && hit.mtimeMs === mtimeMs && hit.size === size) return hit.sections;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return new Map();
  }
  const sections = parseIni(text);
  cache.set(path, { mtimeMs, size, sections });
  return sections;
}

/**
 * The subset of INI the AWS CLI writes. Indented lines belong to nested blocks (`s3 =` settings)
 * that carry nothing about credentials, so they are skipped rather than misread as keys.
 */
export function parseIni(text: string): IniSections {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  for (const raw of text.split(LINE_BREAK)) {
    if (INDENTED.test(raw) && raw.trim() && current) continue;
    const line = raw.trim();
    if (!line || COMMENT.test(line)) continue;
    const section = SECTION.exec(line);
    if (section) {
      const name = section[1];
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      continue;
    }
    const kv = KEY_VALUE.exec(line);
    if (kv && current) current.set(kv[1].trim().toLowerCase(), kv[2].trim());
  }
  return sections;
}
