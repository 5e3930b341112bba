import { expect } from "bun:test";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

// Debian's chromium, driven by playwright-core (no browser download). CI installs it (.ci/run);
// a machine without it fails these tests with this message rather than skipping them.
export const CHROMIUM = "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the UI tests need Debian's chromium (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * What a browser test file shares: pages that report console errors, script errors, CSP
 * violations and dialogs into `problems` (asserted empty at the end), a wait for the DOM to catch
 * up, and screenshots (committed only with UPDATE_SCREENSHOTS=1, else into a temporary folder).
 */
export function browserKit(browser: () => Browser, opts: { ignore?: RegExp } = {}) {
  const problems: string[] = [];
  const shots = process.env.UPDATE_SCREENSHOTS ? join(import.meta.dir, "screenshots") : mkdtempSync(join(tmpdir(), "opentracy-shots-"));
  const watch = (page: Page, into: string[], ignore = opts.ignore) => {
    page.on("console", (m) => m.type() === "error" && !ignore?.test(m.text()) && into.push(`console: ${m.text()}`));
    page.on("pageerror", (e) => into.push(`pageerror: ${e.message}`));
    page.on("dialog", (d) => {
      into.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
  };
  return {
    problems,
    watch,
    async open(url: string, o: { permissions?: string[]; context?: BrowserContext } = {}): Promise<Page> {
      const page = o.context ? await o.context.newPage() : await browser().newPage({ viewport: { width: 1280, height: 800 }, permissions: o.permissions });
      watch(page, problems);
      await page.goto(url);
      return page;
    },
    async shot(page: Page, name: string) {
      // No row lit up by where the pointer happened to be.
      await page.mouse.move(0, 0);
      await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    },
  };
}

/** Waits until `read` gives `want` (the DOM updates after a fetch), or fails with the last value. */
export async function until(read: () => Promise<number>, want: number, ms = 5000): Promise<void> {
  const end = performance.now() + ms;
  let got = await read();
  while (got !== want && performance.now() < end) {
    await Bun.sleep(25);
    got = await read();
  }
  expect(got).toBe(want);
}
