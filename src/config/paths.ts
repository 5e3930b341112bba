import { homedir } from "node:os";
import { join } from "node:path";
import { mkdirSync, chmodSync, statSync } from "node:fs";

/** Every file the engine and the CLI touch lives under one home, so a test can point both at a temp dir. */
export function homeDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.OPENTRACY_HOME || join(homedir(), ".opentracy");
}

export interface Paths {
  home: string;
  secrets: string;
  config: string;
  tokens: string;
  traces: string;
}

export function paths(env: NodeJS.ProcessEnv = process.env): Paths {
  const home = homeDir(env);
  return {
    home,
    secrets: join(home, "secrets.json"),
    config: join(home, "config.json"),
    tokens: join(home, "tokens.json"),
    traces: join(home, "traces"),
  };
}

/** Creates the home 0700; tightens an existing one that is looser, since it holds keys. */
export function ensureHome(p: Paths = paths()): void {
  mkdirSync(p.home, { recursive: true, mode: 0o700 });
  if ((statSync(p.home).mode & 0o077) !== 0) chmodSync(p.home, 0o700);
}
