import { expired, verifyToken, type TokenEntry, type TokenIndex } from "../auth/tokens.ts";
import { ApiError } from "../errors/vocabulary.ts";
import { openaiErrorResponse } from "../openai/errors.ts";
import { type Sessions, sessionCookie } from "./session.ts";

export interface AuthPolicy {
  /** With no token configured, any key is accepted: only on a loopback bind or with --insecure-no-auth. */
  openWithoutTokens: boolean;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Who is calling: the token entry, null when the engine runs without tokens, or the 401 to send.
 * The answer never echoes what was presented, so a mistyped provider key cannot land in a log.
 */
export function authenticate(req: Request, tokens: TokenIndex, policy: AuthPolicy): TokenEntry | null | Response {
  const who = authenticateToken(req, tokens, policy, false);
  return who instanceof ApiError ? openaiErrorResponse(who) : who;
}

/**
 * The same check, answering with the engine's error for the caller's API to render. With
 * `xApiKey` (Anthropic's Messages API, where Claude Code sends its key as `x-api-key`) that
 * header is accepted beside `Authorization: Bearer`; either holding a valid token will do.
 */
export function authenticateToken(req: Request, tokens: TokenIndex, policy: AuthPolicy, xApiKey: boolean): TokenEntry | null | ApiError {
  if (tokens.size === 0) {
    if (policy.openWithoutTokens) return null;
    return new ApiError(
      "invalid_api_key",
      "This engine has no API tokens configured and is not on a loopback address; create one with `opentracy tokens create`.",
    );
  }
  const m = BEARER.exec(req.headers.get("authorization") ?? "");
  const apiKey = xApiKey ? req.headers.get("x-api-key")?.trim() || null : null;
  const entry = (apiKey ? verifyToken(apiKey, tokens) : null) ?? (m ? verifyToken(m[1], tokens) : null);
  if (entry) return expired(entry) ?? entry;
  if (m || apiKey) return new ApiError("invalid_api_key", "Incorrect API key provided. Use a token from `opentracy tokens create` as the api_key.");
  return new ApiError(
    "invalid_api_key",
    xApiKey
      ? "You didn't provide an API key. Send an engine token as `x-api-key: <token>` or `Authorization: Bearer <token>` (ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN)."
      : "You didn't provide an API key. Send an engine token as `Authorization: Bearer <token>` (the OpenAI SDK's api_key).",
  );
}

export interface Caller {
  /** The token entry; null on an engine open without tokens. */
  entry: TokenEntry | null;
  via: "bearer" | "cookie" | "open";
}

/**
 * Who is calling /api/: a bearer token (scripts) exactly as on /v1, else the web UI's session
 * cookie (src/server/session.ts), else the 401 to send. A bearer token wins over a cookie.
 */
export function authenticateApi(req: Request, tokens: TokenIndex, policy: AuthPolicy, sessions: Sessions): Caller | Response {
  if (tokens.size > 0 && !req.headers.has("authorization")) {
    const id = sessionCookie(req);
    const entry = id ? sessions.lookup(id, tokens) : null;
    const late = entry ? expired(entry) : null;
    if (late) return openaiErrorResponse(late);
    if (entry) return { entry, via: "cookie" };
    return openaiErrorResponse(
      new ApiError(
        "invalid_api_key",
        id
          ? "Your session has ended (signed out, expired, the engine restarted, or its token was revoked). Sign in again with an engine token."
          : "Sign in with an engine token, or send one as `Authorization: Bearer <token>`. Create one with `opentracy tokens create`.",
      ),
    );
  }
  const who = authenticate(req, tokens, policy);
  if (who instanceof Response) return who;
  return who ? { entry: who, via: "bearer" } : { entry: null, via: "open" };
}

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
