import { type FormEvent, useState } from "react";
import { signIn } from "../api.ts";

/** Shown whenever /api/ answers 401; once signed in, the page the user was on loads again. */
export function SignIn() {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(await signIn(token.trim()));
    setBusy(false);
    // The field is cleared either way: the token is never kept or shown again.
    setToken("");
  };
  return (
    <form className="state sign-in" onSubmit={submit}>
      <h2>Sign in to this engine</h2>
      <p>
        Paste an engine token from <code>opentracy tokens create</code>. An admin token sees every trace; any other sees only its own traces and spend. The
        engine keeps the session in a cookie for 12 hours (or until it restarts); the page never stores the token.
      </p>
      <input
        type="password"
        name="token"
        autoComplete="off"
        value={token}
        onChange={(e) => setToken(e.target.value)}
        placeholder="otk_…"
        aria-label="Engine token"
        required
      />
      <button type="submit" disabled={busy}>
        Sign in
      </button>
      {error ? (
        <p className="error-text" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}
