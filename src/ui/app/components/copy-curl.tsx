import { useState } from "react";
import { engineNeedsToken } from "../api.ts";
import { curlCommand } from "../curl.ts";
import type { Trace } from "../types.ts";

/** The request as a curl command, shown and copyable; without stored content there is nothing to replay. */
export function CopyCurl({ trace }: { trace: Trace }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  if (trace.request === null) {
    return <p className="muted">The request was not stored (content tracing was off), so it cannot be copied as a command.</p>;
  }
  const command = curlCommand(location.origin, trace.requested_model, trace.request, engineNeedsToken(), trace.api);
  const copy = async () => {
    try {
      // The clipboard API exists only in a secure context (https, or localhost): elsewhere the text is there to select.
      await navigator.clipboard.writeText(command);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  };
  return (
    <div className="curl">
      <pre className="snippet">{command}</pre>
      <button type="button" onClick={copy}>
        Copy as curl
      </button>{" "}
      {copied === "yes" ? <span className="muted">Copied.</span> : null}
      {copied === "failed" ? <span className="error-text">The browser refused the clipboard; select the command above.</span> : null}
    </div>
  );
}
