import { userInfo } from "node:os";

/** Who the audit log names for a change made at the command line: the OS user (a container may have no passwd entry). */
export function cliActor(): string {
  try {
    return `cli ${userInfo().username}`;
  } catch {
    return `cli uid ${process.getuid?.() ?? "?"}`;
  }
}
