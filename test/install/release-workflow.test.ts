import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CROSS } from "../../scripts/build.ts";
import { ROOT } from "../helpers/cli.ts";

// GitHub Actions cannot run here: this parses the workflow (Bun's YAML parser) and checks that it
// publishes exactly what `npm run build:all` writes and scripts/install.sh looks for.
const workflow: any = Bun.YAML.parse(readFileSync(join(ROOT, ".github/workflows/release.yml"), "utf8"));
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const steps: any[] = workflow.jobs.release.steps;
const runs = steps.map((s) => s.run ?? "").join("\n");
const assets = Object.keys(CROSS).map((name) => `opentracy-${name}${name.startsWith("windows") ? ".exe" : ""}`);

test("release.yml runs on version tags and may write the release", () => {
  expect(workflow.on.push.tags).toEqual(["v*"]);
  expect(workflow.permissions.contents).toBe("write");
});

test("release.yml sets up the Bun that package.json pins, then installs, tests and cross-builds", () => {
  const setupBun = steps.find((s) => String(s.uses).startsWith("oven-sh/setup-bun@"));
  expect(setupBun.with["bun-version"]).toBe(pkg.dependencies.bun);
  const order = ["npm ci", "npm test", "npm run build:all", "sha256sum", "OPENTRACY_RELEASE_URL", "gh release upload"].map((s) => runs.indexOf(s));
  expect(order.every((i) => i >= 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
});

test("release.yml checksums and uploads the five binaries, SHA256SUMS and install.sh", () => {
  expect(assets).toHaveLength(5);
  const sums = steps.find((s) => String(s.run).includes("sha256sum")).run as string;
  const upload = runs.slice(runs.indexOf("gh release upload"));
  for (const asset of [...assets, "install.sh"]) {
    expect(sums).toContain(asset);
    expect(upload).toContain(asset);
  }
  expect(upload).toContain("SHA256SUMS");
  // The names install.sh asks for are the ones published.
  const script = readFileSync(join(ROOT, "scripts/install.sh"), "utf8");
  expect(script).toContain("asset=opentracy-$os-$arch");
  expect(script).toContain("opentracy-windows-x64.exe");
  for (const asset of assets.filter((a) => !a.endsWith(".exe"))) expect(asset).toMatch(/^opentracy-(linux|darwin)-(x64|arm64)$/);
});
