import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VERSION } from "../../src/version.ts";
import { ROOT } from "../helpers/cli.ts";
import { startEngine } from "../helpers/engine.ts";

// The npm ways to get an `opentracy` command, each into a temporary prefix: `npm install -g` of the
// package as npm would publish it, and the README's checkout install (`npm ci --omit=dev && npm link`).
// The installed command runs with a PATH that has no `bun` on it: it must find the package's own.
// npm reads packages from its cache first (`.ci/run`'s `npm ci` fills it), so this needs no network then.
const work = mkdtempSync(join(tmpdir(), "opentracy-npm-"));
let tarball: string;

async function sh(cmd: string[], opts: { cwd?: string; env?: Record<string, string>; path?: string } = {}) {
  // Run by `npm test`, this process has npm's own settings in its environment (npm_config_prefix,
  // npm_config_local_prefix = this checkout, ...): a child npm must not inherit them.
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^npm_/i.test(k)) env[k] = v;
  Object.assign(env, { npm_config_audit: "false", npm_config_fund: "false" }, opts.env);
  if (opts.path !== undefined) env.PATH = opts.path;
  const proc = Bun.spawn(cmd, { cwd: opts.cwd ?? work, env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

/** A PATH with only what bin/opentracy itself uses: no bun, no node. */
function barePath(): string {
  const dir = mkdtempSync(join(tmpdir(), "opentracy-path-"));
  for (const tool of ["readlink", "dirname", "basename"]) symlinkSync(Bun.which(tool)!, join(dir, tool));
  expect(Bun.which("bun", { PATH: dir })).toBeNull();
  return dir;
}

beforeAll(async () => {
  const r = await sh(["npm", "pack", "--pack-destination", work, ROOT], { cwd: ROOT });
  expect(r.code).toBe(0);
  tarball = join(work, `opentracy-${VERSION}.tgz`);
  expect(existsSync(tarball)).toBe(true);
}, 60_000);
// Two installs of Bun (~150 MB each): not left behind.
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("npm", () => {
  test("the git index marks bin/opentracy and bin/opentracy.ts executable", async () => {
    const r = await sh(["git", "ls-files", "-s", "bin/opentracy", "bin/opentracy.ts", "scripts/install.sh"], { cwd: ROOT });
    const modes = r.stdout
      .trim()
      .split("\n")
      .map((l) => l.split(/\s+/)[0]);
    expect(modes).toEqual(["100755", "100755", "100755"]);
  });

  test("the package holds what the program needs and no tests or benchmarks", async () => {
    const r = await sh(["tar", "-tzf", tarball]);
    const files = r.stdout.trim().split("\n");
    for (const f of ["package/bin/opentracy", "package/bin/opentracy.ts", "package/src/cli/program.ts", "package/LICENSE", "package/package.json"]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => /^package\/(test|scripts|docs)\//.test(f))).toEqual([]);
  });

  test(
    "npm install -g of the package: `opentracy --version` runs on the Bun it brought",
    async () => {
      const prefix = join(work, "global");
      const r = await sh(["npm", "install", "-g", "--prefix", prefix, "--prefer-offline", "--allow-scripts=bun", tarball]);
      expect(r.stderr).not.toContain("npm error");
      expect(r.code).toBe(0);
      // Dependencies only: no devDependencies (chdb, the SDKs) in a global install.
      const deps = readdirSync(join(prefix, "lib/node_modules/opentracy/node_modules"));
      expect(deps).toContain("bun");
      expect(deps).not.toContain("chdb");
      expect(deps).not.toContain("openai");
      const bin = join(prefix, "bin/opentracy");
      expect(lstatSync(bin).isSymbolicLink()).toBe(true);
      const v = await sh([bin, "--version"], { path: barePath() });
      expect(v.stderr).toBe("");
      expect(v.code).toBe(0);
      expect(v.stdout.trim()).toBe(VERSION);
    },
    { timeout: 180_000 },
  );

  test(
    "from a checkout: `npm link` alone says to run `npm ci --omit=dev`; after it, `opentracy --version` and `opentracy serve` work",
    async () => {
      // A checkout as git gives it: the package's files and the lockfile, no node_modules.
      const checkout = join(work, "checkout");
      mkdirSync(checkout);
      expect((await sh(["tar", "-xzf", tarball, "-C", checkout, "--strip-components=1"])).code).toBe(0);
      copyFileSync(join(ROOT, "package-lock.json"), join(checkout, "package-lock.json"));
      const prefix = join(work, "linked");
      const link = await sh(["npm", "link"], { cwd: checkout, env: { npm_config_prefix: prefix } });
      expect(link.code).toBe(0);
      expect(realpathSync(join(prefix, "lib/node_modules/opentracy"))).toBe(realpathSync(checkout));
      const bin = join(prefix, "bin/opentracy");

      const before = await sh([bin, "--version"], { path: barePath() });
      expect(before.code).toBe(127);
      expect(before.stderr).toContain("Bun not found: run `npm ci --omit=dev` in");

      const ci = await sh(["npm", "ci", "--omit=dev", "--prefer-offline"], { cwd: checkout });
      expect(ci.code).toBe(0);
      expect(existsSync(join(checkout, "node_modules/chdb"))).toBe(false);
      expect(statSync(join(checkout, "node_modules/.bin/bun")).mode & 0o111).not.toBe(0);
      const after = await sh([bin, "--version"], { path: barePath() });
      expect(after.stderr).toBe("");
      expect(after.code).toBe(0);
      expect(after.stdout.trim()).toBe(VERSION);

      // The lean install (no devDependencies) is enough to run the engine.
      const engine = await startEngine({ command: [bin], env: { PATH: barePath() } });
      const health = await fetch(`${engine.url}/health`);
      expect(health.status).toBe(200);
      expect(await engine.stop()).toBe(0);
    },
    { timeout: 180_000 },
  );
});
