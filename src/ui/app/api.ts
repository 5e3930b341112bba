import { useCallback, useEffect, useState, useSyncExternalStore } from "react";

// The engine's JSON API, read like any client reads it. On an engine with tokens the page signs in
// once (POST /api/session) and the engine keeps the session in an HttpOnly cookie the page cannot
// read: the token is sent once and never stored by the page. A 401 from any call shows the sign-in page.

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
    /** The field the engine named (`key`, `targets.1`, `fields.AWS_REGION`), for the form to mark. */
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/** Who the page is signed in as; "open" is an engine without tokens (loopback), which needs no sign-in. */
export type Auth =
  | { state: "unknown" }
  | { state: "signed-out" }
  | { state: "signed-in"; via: "cookie" | "bearer" | "open"; name: string | null; admin: boolean };

let auth: Auth = { state: "unknown" };
const listeners = new Set<() => void>();
function setAuth(next: Auth): void {
  auth = next;
  for (const l of listeners) l();
}

export function useAuth(): Auth {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => auth,
  );
}

/** Whether a client of this engine must send a token (the curl command then carries the header). */
export function engineNeedsToken(): boolean {
  return !(auth.state === "signed-in" && auth.via === "open");
}

// Every call that changes state carries this header: a cross-site form cannot send it, so the
// session cookie alone never suffices to change anything (the engine refuses with 403).
const CSRF = { "x-opentracy-csrf": "1" };

async function errorOf(res: Response): Promise<ApiFailure> {
  const body: any = await res.json().catch(() => null);
  return new ApiFailure(res.status, body?.error?.message ?? `HTTP ${res.status}`, body?.error?.code ?? null, body?.error?.param ?? null);
}

/** Asks the engine who this page is (GET /api/session). */
export async function loadSession(): Promise<void> {
  try {
    const res = await fetch("/api/session", { headers: { accept: "application/json" } });
    if (res.status === 401) return setAuth({ state: "signed-out" });
    if (!res.ok) throw await errorOf(res);
    const who = (await res.json()) as { via: "cookie" | "bearer" | "open"; name: string | null; admin: boolean };
    setAuth({ state: "signed-in", ...who });
  } catch {
    // The engine is down or answered oddly: let the views show their own error.
    setAuth({ state: "signed-in", via: "open", name: null, admin: true });
  }
}

/** POST /api/session; null when signed in, else why not. */
export async function signIn(token: string): Promise<string | null> {
  let res: Response;
  try {
    res = await fetch("/api/session", { method: "POST", headers: { "content-type": "application/json", ...CSRF }, body: JSON.stringify({ token }) });
  } catch {
    return "The engine did not answer. Is `opentracy serve` still running?";
  }
  if (!res.ok) return (await errorOf(res)).message;
  await loadSession();
  return null;
}

export async function signOut(): Promise<void> {
  await fetch("/api/session", { method: "DELETE", headers: CSRF }).catch(() => null);
  setAuth({ state: "signed-out" });
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { signal });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiFailure(0, "The engine did not answer. Is `opentracy serve` still running?", null);
  }
  if (res.status === 401) setAuth({ state: "signed-out" });
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as T;
}

export interface Loaded<T> {
  data: T | null;
  error: ApiFailure | null;
  loading: boolean;
  reload: () => void;
}

/** GET `path` whenever it changes; an answer to a path no longer wanted is dropped. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: ApiFailure | null; loading: boolean }>({ data: null, error: null, loading: path !== null });
  const [generation, setGeneration] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` is the reload trigger
  useEffect(() => {
    if (path === null) return;
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    getJson<T>(path, ctl.signal).then(
      (data) => setState({ data, error: null, loading: false }),
      (error) => {
        if (!ctl.signal.aborted) setState({ data: null, error: error instanceof ApiFailure ? error : new ApiFailure(0, String(error), null), loading: false });
      },
    );
    return () => ctl.abort();
  }, [path, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}

/** A change (PUT, PATCH, POST, DELETE) with a JSON body, always with the CSRF header; the answer's JSON, or an ApiFailure. */
export async function send<T>(method: "PUT" | "PATCH" | "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? CSRF : { ...CSRF, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiFailure(0, "The engine did not answer. Is `opentracy serve` still running?", null);
  }
  if (res.status === 401) setAuth({ state: "signed-out" });
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as T;
}
