import { randomBytes } from "node:crypto";
import type { TokenEntry, TokenIndex } from "../auth/tokens.ts";
import { expired, verifyToken } from "../auth/tokens.ts";
import { ApiError } from "../errors/vocabulary.ts";
import { openaiErrorResponse } from "../openai/errors.ts";

/**
 * The web UI's sign-in: POST /api/session with an engine token answers a cookie holding an opaque
 * random id, mapped here (in memory) to the token's id. The token itself never goes into the
 * cookie, so a leaked cookie dies with the process or after SESSION_SECONDS, and revoking the
 * token ends every session made with it. Sessions do not survive a restart: sign in again.
 */
export const SESSION_COOKIE = "opentracy_session";
export const SESSION_SECONDS = 12 * 60 * 60;
/** Header a cookie-authenticated request that changes state must carry (a cross-site form cannot set it). */
export const CSRF_HEADER = "x-opentracy-csrf";
/** Sessions kept at most: signing in over and over must not grow the engine's memory without end. */
const MAX_SESSIONS = 1000;

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

interface Session {
  tokenId: string;
  tokenHash: string;
  expiresAt: number;
}

export class Sessions {
  private readonly byId = new Map<string, Session>();
  constructor(private readonly now: () => number = Date.now) {}

  create(entry: TokenEntry): string {
    this.prune();
    // Oldest first (a Map keeps insertion order): past the cap the oldest session is dropped.
    while (this.byId.size >= MAX_SESSIONS) this.byId.delete(this.byId.keys().next().value!);
    const id = randomBytes(32).toString("base64url");
    this.byId.set(id, { tokenId: entry.id, tokenHash: entry.hash, expiresAt: this.now() + SESSION_SECONDS * 1000 });
    return id;
  }

  /** The live token entry behind a session id: null when unknown, expired, or its token was revoked or replaced. */
  lookup(id: string, tokens: TokenIndex): TokenEntry | null {
    const s = this.byId.get(id);
    if (!s) return null;
    const entry = tokens.get(s.tokenId);
    if (s.expiresAt <= this.now() || !entry || entry.hash !== s.tokenHash) {
      this.byId.delete(id);
      return null;
    }
    return entry;
  }

  delete(id: string): void {
    this.byId.delete(id);
  }

  get size(): number {
    return this.byId.size;
  }

  private prune(): void {
    const now = this.now();
    for (const [id, s] of this.byId) if (s.expiresAt <= now) this.byId.delete(id);
  }
}

/** The session id a request's Cookie header carries, if it is well-formed. */
export function sessionCookie(req: Request): string | null {
  const header = req.headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return SESSION_ID.test(value) ? value : null;
  }
  return null;
}

export function setCookie(id: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_SECONDS}${secure ? "; Secure" : ""}`;
}

export function clearCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${secure ? "; Secure" : ""}`;
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The CSRF rule for requests a cookie may authenticate: one that changes state must carry
 * `X-OpenTracy-CSRF: 1` (a custom header, which a cross-site form cannot send and a cross-origin
 * script cannot send without a CORS preflight), and its Origin, when sent, must name this engine's
 * own host. Bearer-token requests need neither: a browser never attaches a bearer token by itself.
 */
export function csrfRefusal(req: Request): Response | null {
  if (SAFE.has(req.method)) return null;
  if (req.headers.get(CSRF_HEADER) !== "1") {
    return openaiErrorResponse(
      new ApiError(
        "csrf_required",
        "A request that changes state without a bearer token (the web UI's cookie, or an engine open on loopback) must carry the header `X-OpenTracy-CSRF: 1`.",
      ),
    );
  }
  const origin = req.headers.get("origin");
  if (origin !== null) {
    let host: string | null = null;
    try {
      host = new URL(origin).host;
    } catch {}
    if (host === null || host !== req.headers.get("host")) {
      return openaiErrorResponse(new ApiError("csrf_required", `Origin ${origin} is not this engine; sign in from the engine's own page.`));
    }
  }
  return null;
}

export interface SessionRoutesDeps {
  sessions: Sessions;
  tokens: () => TokenIndex;
  /** Who the request is (bearer, cookie, or an open engine), or the 401 to send. */
  who: (req: Request) => { entry: TokenEntry | null; via: "bearer" | "cookie" | "open" } | Response;
  secure: boolean;
}

const noStore = { "cache-control": "no-store" };

function whoIsSignedIn(deps: SessionRoutesDeps, req: Request): Response {
  const who = deps.who(req);
  if (who instanceof Response) return who;
  const body = who.entry ? { via: who.via, name: who.entry.name, admin: who.entry.admin } : { via: who.via, name: null, admin: true };
  return Response.json(body, { headers: noStore });
}

async function signIn(deps: SessionRoutesDeps, req: Request): Promise<Response> {
  // Always, cookie or not: otherwise a foreign page could sign a browser in as someone else.
  const refused = csrfRefusal(req);
  if (refused) return refused;
  let token: unknown;
  try {
    token = ((await req.json()) as { token?: unknown } | null)?.token;
  } catch {
    return openaiErrorResponse(new ApiError("invalid_json", 'The body must be JSON: {"token": "otk_…"}.'));
  }
  if (typeof token !== "string") return openaiErrorResponse(new ApiError("invalid_value", 'The body must be {"token": "otk_…"}.', "token"));
  const entry = verifyToken(token.trim(), deps.tokens());
  if (!entry) {
    return openaiErrorResponse(new ApiError("invalid_api_key", "That is not a valid engine token. Create one with `opentracy tokens create`."));
  }
  const late = expired(entry);
  if (late) return openaiErrorResponse(late);
  const old = sessionCookie(req);
  if (old) deps.sessions.delete(old);
  const id = deps.sessions.create(entry);
  return new Response(null, { status: 204, headers: { "set-cookie": setCookie(id, deps.secure), ...noStore } });
}

function signOut(deps: SessionRoutesDeps, req: Request): Response {
  const refused = csrfRefusal(req);
  if (refused) return refused;
  const id = sessionCookie(req);
  if (id) deps.sessions.delete(id);
  return new Response(null, { status: 204, headers: { "set-cookie": clearCookie(deps.secure), ...noStore } });
}

/** GET (who is signed in), POST (sign in with a token) and DELETE (sign out) /api/session. */
export function sessionRoutes(deps: SessionRoutesDeps) {
  return { GET: whoIsSignedIn.bind(null, deps), POST: signIn.bind(null, deps), DELETE: signOut.bind(null, deps) };
}
