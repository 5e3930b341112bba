/**
 * Masks personal data and credentials in stored trace text (OPENTRACY_TRACE_REDACT=true).
 *
 * This runs in the background trace writer over every string of every trace, so every pattern is
 * compiled once here, and each one that starts with a repeated class is guarded by a lookbehind so
 * a long run of letters or digits is scanned once, not once per starting position.
 *
 * Order matters: credentials go first (they contain digit runs a card or phone pattern would
 * half-match), then emails (digits in `john1990@…`), cards before phones (a spaced card number
 * holds phone-shaped groups), IPv6 before IPv4 (`::ffff:1.2.3.4`).
 */

export const PLACEHOLDER = {
  email: "[EMAIL]",
  phone: "[PHONE]",
  card: "[CARD]",
  ip: "[IP]",
  secret: "[SECRET]",
} as const;

// --- credentials -----------------------------------------------------------------------------

// The body may not contain another BEGIN, so a block that never ends is scanned once.
const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----(?:(?!-----BEGIN )[\s\S])*?-----END [A-Z ]*PRIVATE KEY-----/g;

const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;

const PROVIDER_KEY = new RegExp(
  String.raw`(?<![A-Za-z0-9_-])(?:` +
    [
      // OpenAI (sk-, sk-proj-, sk-svcacct-) and Anthropic (sk-ant-api03-…); a digit is required so
      // hyphenated prose after "sk-" is left alone.
      String.raw`sk-[A-Za-z0-9_-]*\d[A-Za-z0-9_-]*`,
      String.raw`(?:AKIA|ASIA)[A-Z0-9]{16}\b`, // AWS access key ids
      String.raw`AIza[0-9A-Za-z_-]{30,}`, // Google API keys
      String.raw`gh[pousr]_[A-Za-z0-9]{30,}`, // GitHub tokens
      String.raw`github_pat_[A-Za-z0-9_]{22,}`,
      String.raw`xox[abprs]-[A-Za-z0-9-]{10,}`, // Slack tokens
    ].join("|") +
    ")",
  "g",
);
const SK_MIN_LENGTH = 23; // "sk-" + 20

// Prose says "Bearer tokens" and "bearer authentication": a token needs a digit or real length.
const BEARER = /\b([Bb]earer\s+)(?:(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{8,}|[A-Za-z0-9._~+/=-]{20,})/g;

// scheme://user:password@host — the shape of OPENTRACY_CLICKHOUSE_URL and most database URLs.
const URL_PASSWORD = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:)[^\s/@]+@/gi;

/**
 * `api_key=…`, `"password": "…"`, `DB_PASSWORD: …`, `Authorization: Basic …`. The key must end in
 * one of these words (so `password_hint` or `max_tokens` do not count); bare `token` and `pwd`
 * are left out because traces talk about tokens and shells print `pwd`. An unquoted value stops
 * at a quote, comma, semicolon, `&` or bracket so query strings and JSON keep their shape.
 */
const ASSIGNMENT = new RegExp(
  String.raw`(\b(?:[a-z0-9]+[_-]){0,4}` +
    String.raw`(?:api[_-]?key|apikey|secret[_-]?key|client[_-]?secret|secret|access[_-]?key|private[_-]?key|` +
    String.raw`(?:access|auth|refresh|session|api|bearer|id)[_-]?token|password|passwd|passphrase|credentials?|authorization)` +
    String.raw`["']?\s*[:=]\s*)` +
    // An auth scheme (`Basic`, `Bearer`) stays; taken atomically, or `Bearer [SECRET]` would
    // have its scheme word masked as the value.
    String.raw`(?=((?:basic|bearer|token|digest)\s+|))\2` +
    String.raw`(?:"([^"\r\n]+)"|'([^'\r\n]+)'|([^\s"'\x60,;&()[\]{}<>]{3,}))`,
  "gi",
);

// --- personal data ---------------------------------------------------------------------------

// `icon@2x.png` is a file name, not an address.
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@(?!\d+x\.)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])/g;

// 13–19 digits, optionally grouped by spaces or dashes; kept only with a card prefix, a length
// that prefix issues, and a valid Luhn check digit (see isCardNumber).
const CARD_CANDIDATE = /(?<![\w.+-])[2-6]\d(?:[ -]?\d){11,17}(?![\w-]|\.\d)/g;
const NON_DIGIT = /\D/g;
const CARD_SEPARATOR = /[ -]/g;

const OCTET = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const IPV4_BODY = String.raw`(?:${OCTET}\.){3}${OCTET}`;
// Not inside a longer dotted number: OIDs (1.3.6.1.4.1), version strings (v1.2.3.4).
const IPV4 = new RegExp(String.raw`(?<![\w.])${IPV4_BODY}(?![\w]|\.\d)`, "g");

const H = "[0-9a-f]{1,4}";
const IPV6 = new RegExp(
  String.raw`(?<![\w:.])(?:` +
    [
      `(?:${H}:){7}${H}`,
      `::(?:ffff(?::0{1,4})?:)?${IPV4_BODY}`,
      `(?:${H}:){1,4}:${IPV4_BODY}`,
      `(?:${H}:){1,7}:`,
      `(?:${H}:){1,6}:${H}`,
      `(?:${H}:){1,5}(?::${H}){1,2}`,
      `(?:${H}:){1,4}(?::${H}){1,3}`,
      `(?:${H}:){1,3}(?::${H}){1,4}`,
      `(?:${H}:){1,2}(?::${H}){1,5}`,
      `${H}:(?::${H}){1,6}`,
      `:(?::${H}){1,7}`,
    ].join("|") +
    // The trailing guard makes a short alternative (`2001:db8::`) give way to a longer one.
    String.raw`)(?![\w:]|\.\d)`,
  "gi",
);
const HEX_GROUP = /[0-9a-f]+/gi;
const HAS_DIGIT = /\d/;
const IPV4_INSIDE = new RegExp(IPV4_BODY);

// +CC then 8–15 digits in all (E.164), with single spaces, dots, dashes, slashes or brackets
// between them: +1 (555) 123-4567, +44 20 7946 0958, +33 1 23 45 67 89, +14155552671.
const PHONE_INTERNATIONAL = /(?<![\w+])\+\d(?:[ .()/-]{0,2}\d){7,14}(?![ .-]?\d)/g;
// North American: area codes never start with 0 or 1, which keeps ranges and counts like
// "100 200 3000" out (exchanges do not either, but made-up 555-123-4567s are still numbers). Unseparated runs are left alone: they look like ids and counts.
const PHONE_NANP = /(?<![\w.+-])(?:\([2-9]\d{2}\)[ .-]?|[2-9]\d{2}[ .-])\d{3}[ .-]\d{4}(?![\w-]|\.\d)/g;
// Trunk-prefix national numbers (020 7946 0958, 01 23 45 67 89, 030/12345678). One separator
// throughout, and 9+ digits, so dates such as 01.02.2024 or 05-06-2024 stay dates.
const PHONE_TRUNK = /(?<![\w.+-])0\d{1,4}([ ./-])\d{2,8}(?:\1\d{2,8}){0,4}(?![\w-]|\.\d)/g;

// Inline images and files are base64 blobs: nothing readable to mask, and masking would only
// corrupt them (and cost a dozen passes over megabytes).
const DATA_URL = /^data:[^,;]*(?:;[^,;]*)*;base64,[A-Za-z0-9+/=\s]*$/;

export function redactText(s: string): string {
  if (s.length === 0 || DATA_URL.test(s)) return s;
  let out = s;
  out = out.replace(PRIVATE_KEY_BLOCK, PLACEHOLDER.secret);
  out = out.replace(JWT, PLACEHOLDER.secret);
  out = out.replace(PROVIDER_KEY, (m) => (m.startsWith("sk-") && m.length < SK_MIN_LENGTH ? m : PLACEHOLDER.secret));
  out = out.replace(BEARER, `$1${PLACEHOLDER.secret}`);
  out = out.replace(URL_PASSWORD, `$1${PLACEHOLDER.secret}@`);
  out = out.replace(ASSIGNMENT, maskAssignment);
  out = out.replace(EMAIL, PLACEHOLDER.email);
  out = out.replace(CARD_CANDIDATE, (m) => (isCardNumber(m) ? PLACEHOLDER.card : m));
  out = out.replace(IPV6, (m) => (isIPv6(m) ? PLACEHOLDER.ip : m));
  out = out.replace(IPV4, PLACEHOLDER.ip);
  out = out.replace(PHONE_INTERNATIONAL, PLACEHOLDER.phone);
  out = out.replace(PHONE_NANP, PLACEHOLDER.phone);
  out = out.replace(PHONE_TRUNK, (m) => {
    const digits = m.replace(NON_DIGIT, "").length;
    return digits >= 9 && digits <= 12 ? PLACEHOLDER.phone : m;
  });
  return out;
}

/**
 * A copy of a JSON value (messages, content parts, tool-call argument strings, …) with every
 * string redacted; the input is left untouched because the request path may still hold it.
 * Object keys are schema names and stay as they are.
 */
export function redactValue(v: unknown): unknown {
  if (typeof v === "string") return redactText(v);
  if (Array.isArray(v)) return v.map(redactValue);
  if (v !== null && typeof v === "object" && isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(v)) out[k] = redactValue(child);
    return out;
  }
  return v;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function maskAssignment(m: string, key: string, scheme: string, dq?: string, sq?: string): string {
  // `"Authorization": "Bearer [SECRET]"` was already handled by the bearer pattern.
  if ((dq ?? sq)?.includes(PLACEHOLDER.secret)) return m;
  if (dq !== undefined) return `${key}${scheme}"${PLACEHOLDER.secret}"`;
  if (sq !== undefined) return `${key}${scheme}'${PLACEHOLDER.secret}'`;
  return key + scheme + PLACEHOLDER.secret;
}

function isCardNumber(candidate: string): boolean {
  const separators = candidate.match(CARD_SEPARATOR);
  // "4111 1111-1111 1111" is not how anyone writes a card; mixed separators mean a list of numbers.
  if (separators && new Set(separators).size > 1) return false;
  const digits = candidate.replace(NON_DIGIT, "");
  return issuedLength(digits) && luhn(digits);
}

/** Prefixes and lengths the networks issue (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro). */
function issuedLength(d: string): boolean {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  switch (d[0]) {
    case "4":
      return n === 13 || n === 16 || n === 19;
    case "2":
      return p4 >= 2221 && p4 <= 2720 && n === 16;
    case "5":
      if (p2 >= 51 && p2 <= 55) return n === 16;
      return n >= 13 && n <= 19; // Maestro 50, 56–59
    case "3":
      if (p2 === 34 || p2 === 37) return n === 15;
      if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19;
      if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14 && n <= 19;
      return false;
    case "6":
      return n >= 13 && n <= 19; // Discover, UnionPay, Maestro
    default:
      return false;
  }
}

function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * `a[1::2]` (a slice), `Foo::Bar` and `abc::def` (paths) are IPv6-shaped. A real address has a
 * digit, and either three groups or a group of 3+ characters (`fe80::1`, `2001:db8::1`).
 */
function isIPv6(m: string): boolean {
  if (IPV4_INSIDE.test(m)) return true;
  if (!HAS_DIGIT.test(m)) return false;
  const groups = m.match(HEX_GROUP) ?? [];
  return groups.length >= 3 || groups.some((g) => g.length >= 3);
}
