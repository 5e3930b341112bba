import { useCallback, useEffect, useState } from "react";

// The engine's JSON API, read like any client reads it. On an engine with tokens the page asks for
// one and keeps it for the tab only (sessionStorage): cookie sessions are a later step.

const TOKEN_KEY = "opentracy.token";

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

export function setToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

/** Whether this tab holds a token: it asked for one only because the engine needs them. */
export function hasToken(): boolean {
  return sessionStorage.getItem(TOKEN_KEY) !== null;
}

export function authHeaders(): Record<string, string> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { authorization: `Bearer ${token}` } : {};
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { signal, headers: authHeaders() });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiFailure(0, "The engine did not answer. Is `opentracy serve` still running?", null);
  }
  const body: any = await res.json().catch(() => null);
  if (!res.ok) throw new ApiFailure(res.status, body?.error?.message ?? `HTTP ${res.status}`, body?.error?.code ?? null);
  return body as T;
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
