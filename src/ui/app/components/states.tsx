import type { ReactNode } from "react";
import type { ApiFailure } from "../api.ts";

export function Loading({ what }: { what: string }) {
  return (
    <p className="state" aria-busy="true">
      Loading {what}…
    </p>
  );
}

/** An empty view says what to do next, never just "nothing here". */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state empty">
      <h2>{title}</h2>
      {children}
    </div>
  );
}

export function Failed({ error, retry }: { error: ApiFailure; retry: () => void }) {
  // The layout shows the sign-in page instead (api.ts saw the 401).
  if (error.status === 401) return null;
  return (
    <div className="state failed" role="alert">
      <h2>{error.status === 503 ? "This engine keeps no traces" : "Could not load this view"}</h2>
      <p>{error.message}</p>
      {error.status === 503 ? (
        <p>Start it with traces on (unset OPENTRACY_TRACES=off, or set traces.enabled in config.json).</p>
      ) : (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}
