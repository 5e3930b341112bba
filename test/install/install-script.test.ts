import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers/cli.ts";

// scripts/install.sh against a local folder of release artefacts (file:// URLs, no network). The
// "binaries" are small shell scripts that print their own name, so the test sees which one landed.
const SCRIPT = join(ROOT, "scripts/install.sh");
const ASSETS = ["opentracy-linux-x64", "opentracy-linux-arm64", "opentracy-darwin-arm64", "opentracy-darwin-x64", "opentracy-windows-x64.exe"];
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const fakeBinary = (asset: string) => `#!/bin/sh\necho "${asset} 0.1.0"\n`;

/** A release folder as the workflow publishes it: the five binaries and SHA256SUMS. */
function release(opts: { tamper?: string; omit?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "opentracy-release-"));
  const sums: string[] = [];
  for (const asset of ASSETS) {
    writeFileSync(join(dir, asset), fakeBinary(asset));
    if (asset !== opts.omit) sums.push(`${sha256(fakeBinary(asset))}  ${asset}`);
  }
  writeFileSync(join(dir, "SHA256SUMS"), `${sums.join("\n")}\n`);
  // Changed after its checksum was written: what a corrupt or substituted download looks like.
  if (opts.tamper) writeFileSync(join(dir, opts.tamper), `#!/bin/sh\necho evil\n`);
  return dir;
}

/** A folder of stand-ins for `uname` (and `sysctl`), put first on PATH to play another machine. */
function machine(os: string, arch: string, opts: { rosetta?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "opentracy-machine-"));
  writeFileSync(join(dir, "uname"), `#!/bin/sh\ncase "$1" in -s) echo ${os} ;; -m) echo ${arch} ;; *) exit 2 ;; esac\n`);
  chmodSync(join(dir, "uname"), 0o755);
  if (opts.rosetta) {
    writeFileSync(join(dir, "sysctl"), `#!/bin/sh\n[ "$2" = sysctl.proc_translated ] && echo 1\n`);
    chmodSync(join(dir, "sysctl"), 0o755);
  }
  return dir;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  installDir: string;
  home: string;
}

async function install(opts: { rel: string; path: string; installDir?: string | null; home?: string }): Promise<Run> {
  const home = opts.home ?? mkdtempSync(join(tmpdir(), "opentracy-home-"));
  const installDir = opts.installDir === null ? join(home, ".local/bin") : (opts.installDir ?? join(mkdtempSync(join(tmpdir(), "opentracy-prefix-")), "bin"));
  const env: Record<string, string> = { HOME: home, PATH: opts.path, OPENTRACY_RELEASE_URL: `file://${opts.rel}`, TMPDIR: tmpdir() };
  if (opts.installDir !== null) env.OPENTRACY_INSTALL_DIR = installDir;
  const proc = Bun.spawn(["/bin/sh", SCRIPT], { env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr, installDir, home };
}

const systemPath = process.env.PATH ?? "/usr/bin:/bin";
const run = async (file: string) => {
  const proc = Bun.spawn([file], { stdout: "pipe", stderr: "pipe" });
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return { out: out.trim(), code };
};

describe("scripts/install.sh", () => {
  test.each([
    ["Linux", "x86_64", "opentracy-linux-x64"],
    ["Linux", "aarch64", "opentracy-linux-arm64"],
    ["Darwin", "arm64", "opentracy-darwin-arm64"],
    ["Darwin", "x86_64", "opentracy-darwin-x64"],
  ])("on %s %s it installs %s, verified, mode 0755, and says the folder is not on PATH", async (os, arch, asset) => {
    const rel = release();
    const r = await install({ rel, path: `${machine(os, arch)}:${systemPath}` });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const target = join(r.installDir, "opentracy");
    expect(readFileSync(target, "utf8")).toBe(fakeBinary(asset));
    expect(statSync(target).mode & 0o777).toBe(0o755);
    expect(await run(target)).toEqual({ out: `${asset} 0.1.0`, code: 0 });
    expect(r.stdout).toContain(`installed opentracy ${asset} 0.1.0 to ${target} (sha256 ${sha256(fakeBinary(asset))} verified)`);
    expect(r.stdout).toContain(`${r.installDir} is not on your PATH`);
    expect(r.stdout).toContain(`export PATH="${r.installDir}:$PATH"`);
    // Only the binary: no staging file or download left behind.
    expect(readdirSync(r.installDir)).toEqual(["opentracy"]);
  });

  test("a shell under Rosetta on Apple silicon gets the arm64 build", async () => {
    const r = await install({ rel: release(), path: `${machine("Darwin", "x86_64", { rosetta: true })}:${systemPath}` });
    expect(r.code).toBe(0);
    expect(readFileSync(join(r.installDir, "opentracy"), "utf8")).toBe(fakeBinary("opentracy-darwin-arm64"));
  });

  test("default folder ~/.local/bin; no PATH hint when it is on PATH; replaces an older install", async () => {
    const home = mkdtempSync(join(tmpdir(), "opentracy-home-"));
    const dir = join(home, ".local/bin");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "opentracy"), "old");
    const r = await install({ rel: release(), path: `${machine("Linux", "x86_64")}:${dir}:${systemPath}`, installDir: null, home });
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, "opentracy"), "utf8")).toBe(fakeBinary("opentracy-linux-x64"));
    expect(r.stdout).not.toContain("not on your PATH");
  });

  test("a checksum mismatch is refused loudly, and nothing is installed or replaced", async () => {
    const rel = release({ tamper: "opentracy-linux-x64" });
    const path = `${machine("Linux", "x86_64")}:${systemPath}`;
    // Into a folder that does not exist yet: it is not even created.
    const fresh = await install({ rel, path });
    expect(fresh.code).not.toBe(0);
    expect(fresh.stderr).toContain("CHECKSUM MISMATCH for opentracy-linux-x64");
    expect(fresh.stderr).toContain(`expected ${sha256(fakeBinary("opentracy-linux-x64"))}`);
    expect(fresh.stderr).toContain("nothing installed");
    expect(fresh.stdout).not.toContain("installed opentracy");
    expect(existsSync(fresh.installDir)).toBe(false);
    // Over an existing install: left exactly as it was.
    const dir = join(mkdtempSync(join(tmpdir(), "opentracy-prefix-")), "bin");
    mkdirSync(dir);
    writeFileSync(join(dir, "opentracy"), "old");
    const over = await install({ rel, path, installDir: dir });
    expect(over.code).not.toBe(0);
    expect(over.stderr).toContain("CHECKSUM MISMATCH");
    expect(readdirSync(dir)).toEqual(["opentracy"]);
    expect(readFileSync(join(dir, "opentracy"), "utf8")).toBe("old");
  });

  test("an artefact that SHA256SUMS does not list is refused", async () => {
    const r = await install({ rel: release({ omit: "opentracy-darwin-arm64" }), path: `${machine("Darwin", "arm64")}:${systemPath}` });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("SHA256SUMS has no line for opentracy-darwin-arm64");
    expect(existsSync(r.installDir)).toBe(false);
  });

  test("a missing artefact is an error, not an install", async () => {
    const rel = release();
    const r = await install({ rel: join(rel, "no-such-release"), path: `${machine("Linux", "x86_64")}:${systemPath}` });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("could not download");
    expect(existsSync(r.installDir)).toBe(false);
  });

  test("Windows and other machines are told what to do instead", async () => {
    const win = await install({ rel: release(), path: `${machine("MINGW64_NT-10.0", "x86_64")}:${systemPath}` });
    expect(win.code).not.toBe(0);
    expect(win.stderr).toContain("download opentracy-windows-x64.exe");
    const riscv = await install({ rel: release(), path: `${machine("Linux", "riscv64")}:${systemPath}` });
    expect(riscv.code).not.toBe(0);
    expect(riscv.stderr).toContain("no prebuilt binary for linux on riscv64");
    expect(existsSync(win.installDir) || existsSync(riscv.installDir)).toBe(false);
  });

  test("with only shasum (macOS has no sha256sum) it still verifies, and still refuses a mismatch", async () => {
    // A PATH with exactly the tools the script needs, shasum instead of sha256sum.
    const tools = machine("Darwin", "arm64");
    for (const tool of ["curl", "awk", "cut", "mktemp", "rm", "mkdir", "cp", "chmod", "mv", "shasum"]) {
      const found = Bun.which(tool, { PATH: systemPath });
      if (!found) throw new Error(`${tool} is needed for this test`);
      symlinkSync(found, join(tools, tool));
    }
    expect(Bun.which("sha256sum", { PATH: tools })).toBeNull();
    const ok = await install({ rel: release(), path: tools });
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`sha256 ${sha256(fakeBinary("opentracy-darwin-arm64"))} verified`);
    const bad = await install({ rel: release({ tamper: "opentracy-darwin-arm64" }), path: tools });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("CHECKSUM MISMATCH");
    expect(existsSync(bad.installDir)).toBe(false);
  });
});
