import type { TargetState } from "../routing/health.ts";
import { clockTime } from "./clock.ts";

/**
 * A target's health in words for the CLI's tables. `/health` names the states for scripts
 * (`cooling_down`); people get the sentence, with when it ends and why it started.
 */
export function healthWords(s: TargetState | undefined): string {
  if (!s || s.state === "ok") return "ok";
  if (s.state === "trying_again") return "trying again";
  const failures = `${s.consecutive_failures} failure${s.consecutive_failures === 1 ? "" : "s"}`;
  return s.cooling_until ? `cooling down (until ${clockTime(s.cooling_until)}, after ${failures})` : `cooling down (after ${failures})`;
}
