import { type FormEvent, type ReactNode, useState } from "react";
import { type ApiFailure, setToken } from "../api.ts";

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
  if (error.status === 401) return <TokenForm retry={retry} />;
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

function TokenForm({ retry }: { retry: () => void }) {
  const [token, setValue] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setToken(token.trim());
    retry();
  };
  return (
    <form className="state failed" onSubmit={submit}>
      <h2>This engine needs a token</h2>
      <p>
        Paste an engine token (<code>opentracy tokens create</code> prints one). It is kept in this tab only.
      </p>
      <input type="password" value={token} onChange={(e) => setValue(e.target.value)} placeholder="otk_…" aria-label="Engine token" />
      <button type="submit">Use token</button>
    </form>
  );
}
