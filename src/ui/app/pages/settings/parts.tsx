import { type ReactNode, useState } from "react";
import { ApiFailure, signOut } from "../../api.ts";
import { Empty, Failed } from "../../components/states.tsx";

// Pieces every settings page uses: the admin-only refusal, a two-step confirm for what cannot be
// undone, an API error that names its field, and a spinner.

/** A signed-in token that is not an admin: the settings API answers 403 admin_required, so say it plainly. */
export function AdminRequired({ name }: { name: string | null }) {
  return (
    <Empty title="Settings need an admin token">
      <p>
        {name ? (
          <>
            You are signed in with the token <strong>{name}</strong>, which is not an admin token.
          </>
        ) : (
          "This token is not an admin token."
        )}{" "}
        Keys, aliases, tokens and the audit log are open only to an admin token. Create one where the engine runs with{" "}
        <code>opentracy tokens create --admin</code>, then sign out and sign in with it.
      </p>
      <button type="button" onClick={() => void signOut()}>
        Sign out
      </button>
    </Empty>
  );
}

/** A failed load: the admin refusal gets its own state, anything else the usual one with its message. */
export function SettingsFailed({ error, retry, who }: { error: ApiFailure; retry: () => void; who: string | null }) {
  if (error.code === "admin_required") return <AdminRequired name={who} />;
  return <Failed error={error} retry={retry} />;
}

/**
 * A form's change sent to the API: `busy` while it runs (the submit button waits), and what went
 * wrong kept as an ApiFailure for the form to show and to mark the field it names.
 */
export function useChange() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiFailure | null>(null);
  const run = async (change: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await change();
    } catch (err) {
      setError(err instanceof ApiFailure ? err : new ApiFailure(0, String(err), null));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

/** The API's message, shown where the change was asked for. */
export function ErrorNote({ error }: { error: ApiFailure | string | null }) {
  if (!error) return null;
  return (
    <p className="error-text" role="alert">
      {typeof error === "string" ? error : error.message}
    </p>
  );
}

/** The end of an editing form: save (off while the change runs), cancel, and the API's error. */
export function SaveOrCancel({ label, busy, onCancel, error }: { label: string; busy: boolean; onCancel: () => void; error: ApiFailure | string | null }) {
  return (
    <>
      <div className="actions">
        <button type="submit" disabled={busy}>
          {label}
        </button>
        <button type="button" className="quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <ErrorNote error={error} />
    </>
  );
}

/** Whether the API's error names this field (`targets.1` also marks `targets.1.model`). */
export function names(error: ApiFailure | null, param: string): boolean {
  const p = error?.param;
  return !!p && (p === param || p.startsWith(`${param}.`));
}

export function Spinner() {
  return <span className="spinner" aria-hidden="true" />;
}

/**
 * A button that asks before doing something that cannot be undone, in the page rather than in a
 * browser dialog: the question, then a red "yes" next to "Cancel".
 */
export function ConfirmButton({ label, question, yes, onConfirm }: { label: string; question: ReactNode; yes: string; onConfirm: () => Promise<void> }) {
  const [state, setState] = useState<"idle" | "asking" | "busy">("idle");
  if (state === "idle")
    return (
      <button type="button" className="quiet" onClick={() => setState("asking")}>
        {label}
      </button>
    );
  return (
    <span className="confirm">
      <span>{question}</span>{" "}
      <button
        type="button"
        className="danger"
        disabled={state === "busy"}
        onClick={async () => {
          setState("busy");
          try {
            await onConfirm();
          } finally {
            setState("idle");
          }
        }}
      >
        {yes}
      </button>{" "}
      <button type="button" className="quiet" disabled={state === "busy"} onClick={() => setState("idle")}>
        Cancel
      </button>
    </span>
  );
}
