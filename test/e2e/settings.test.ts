import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import type { Browser, Page } from "playwright-core";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.ts";
import { type RunningEngine, startEngine } from "../helpers/engine.ts";
import { browserKit, launchChromium, until } from "./browser.ts";

// The settings pages in a real browser against a real engine: keys set through the page reach
// the provider, aliases show route explain's explanation, the first token closes the engine and
// the page signs in with it, the audit log lists it all, and a non-admin token is told plainly.
// The tests run in order: each builds on the engine the previous ones changed.

const KEY = "sk-ui-settings-key-Xy42";
const WRONG = "gsk-wrong-ui-key-0000";

let browser: Browser;
let fake: FakeOpenAI;
let engine: RunningEngine;
// The refusals these tests provoke on purpose (a bad base URL, a bad target, an alias in use) are
// logged by the browser as failed loads; each is asserted where it is provoked. Anything else fails.
const kit = browserKit(() => browser, { ignore: /status of (400|409)/ });
const tokens: Record<string, string> = {};

const provider = (page: Page, name: string) => page.locator(`tbody[data-provider="${name}"]`);

beforeAll(async () => {
  browser = await launchChromium();
  fake = await startFakeOpenAI({ apiKey: KEY });
  // No OpenAI key anywhere: the page sets it. Groq is sent to the fake too, which refuses its key.
  engine = await startEngine({ env: { OPENAI_BASE_URL: fake.url, GROQ_BASE_URL: fake.url } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await engine?.stop();
  await fake?.close();
});

describe("settings pages", () => {
  test("integrations: a key set on the page is sealed, shown masked, used by the next request, and gone from the page", async () => {
    const page = await kit.open(`${engine.url}/`);
    await page.getByRole("link", { name: "Settings" }).click();
    await page.waitForURL(`${engine.url}/settings`);
    expect(await page.locator("nav.tabs a.active").textContent()).toBe("Integrations");
    await provider(page, "openai").waitFor();
    expect(await page.locator("tbody[data-provider]").count()).toBe(17);
    const openai = provider(page, "openai");
    expect(await openai.locator("tr").first().textContent()).toContain("not set");

    await openai.getByRole("button", { name: "Set up" }).click();
    await openai.locator("input[name=key]").fill(KEY);
    await openai.getByRole("button", { name: "Save key" }).click();
    await openai.getByText("Saved and sealed").waitFor();
    const row = openai.locator("tr").first();
    expect(await row.locator("code").first().textContent()).toBe("sk-…Xy42");
    expect(await row.locator(".key-source").textContent()).toBe("sealed store");
    expect(await row.locator(".badge").textContent()).toBe("configured");
    // The typed key: out of the field, the page, and anything script-readable.
    expect(await openai.locator("input[name=key]").inputValue()).toBe("");
    expect(await page.content()).not.toContain(KEY);
    expect(await page.evaluate("document.cookie + JSON.stringify(sessionStorage) + JSON.stringify(localStorage) + location.href")).not.toContain(KEY);

    const client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "set from the page" }] });
    expect(answer.choices[0]!.message.content).toContain("set from the page");
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
    await kit.shot(page, "settings-integrations-edit");
    await page.close();
  });

  test("integrations: test connection shows a spinner, then ok; a rejected key shows the rejection; base URLs", async () => {
    const page = await kit.open(`${engine.url}/settings/integrations`);
    const openai = provider(page, "openai");
    await openai.waitFor();
    // Held back a moment, so the spinner can be seen.
    await page.route("**/api/settings/providers/openai/test", async (route) => {
      await Bun.sleep(400);
      await route.continue();
    });
    await openai.getByRole("button", { name: "Test connection" }).click();
    await openai.locator(".test-result[aria-busy=true] .spinner").waitFor();
    await openai.getByText(/Key accepted in \d+ ms/).waitFor();
    expect(await openai.locator(".test-result .badge").textContent()).toBe("ok");

    const groq = provider(page, "groq");
    expect(await groq.locator("td.base-url").textContent()).toContain("from GROQ_BASE_URL");
    await groq.getByRole("button", { name: "Set up" }).click();
    await groq.getByText("GROQ_BASE_URL is set where the engine runs").waitFor();
    await groq.locator("input[name=key]").fill(WRONG);
    await groq.getByRole("button", { name: "Save key" }).click();
    await groq.getByText("Saved and sealed").waitFor();
    await groq.getByRole("button", { name: "Test connection" }).click();
    await groq.getByText("The provider rejected the key (HTTP 401)").waitFor();
    expect(await groq.locator(".test-result .badge").textContent()).toBe("key rejected");
    await groq.getByRole("button", { name: "Close" }).click();

    // A base URL the engine refuses names the field; a good one is saved, then the default again.
    const mistral = provider(page, "mistral");
    await mistral.getByRole("button", { name: "Set up" }).click();
    const url = mistral.locator("input[name=base_url]");
    expect(await url.getAttribute("placeholder")).toBe("https://api.mistral.ai/v1");
    await url.fill("ftp://example.com");
    await mistral.getByRole("button", { name: "Save base URL" }).click();
    await mistral.getByRole("alert").waitFor();
    expect(await url.getAttribute("class")).toBe("invalid");
    await url.fill("http://127.0.0.1:9/v1");
    await mistral.getByRole("button", { name: "Save base URL" }).click();
    await mistral.getByText("Base URL saved.").waitFor();
    expect(await mistral.locator("td.base-url").textContent()).toBe("http://127.0.0.1:9/v1 from config.json");
    await mistral.getByRole("button", { name: "Use the default" }).click();
    await mistral.getByText("Back to the default base URL.").waitFor();
    expect(await mistral.locator("td.base-url").textContent()).toBe("https://api.mistral.ai/v1 default");
    await mistral.getByRole("button", { name: "Close" }).click();

    // Bedrock takes its credentials as AWS names them; only the secret ones are masked as typed.
    const bedrock = provider(page, "bedrock");
    await bedrock.getByRole("button", { name: "Set up" }).click();
    const inputs = bedrock.locator("form.stack input:not([name=base_url])");
    const types = await inputs.evaluateAll((els) => els.map((e: any) => `${e.getAttribute("name")}:${e.getAttribute("type")}:${e.hasAttribute("required")}`));
    expect(types).toEqual(["AWS_ACCESS_KEY_ID:text:true", "AWS_SECRET_ACCESS_KEY:password:true", "AWS_SESSION_TOKEN:password:false", "AWS_REGION:text:false"]);
    await bedrock.getByRole("button", { name: "Close" }).click();
    await kit.shot(page, "settings-integrations");
    await page.close();
  });

  test("aliases: created on the page with route explain's explanation, edited to weighted, refused while in use", async () => {
    const page = await kit.open(`${engine.url}/settings/aliases`);
    await page.getByText("No aliases yet").waitFor();
    await page.getByRole("button", { name: "New alias" }).click();
    await page.fill("input[name=name]", "smart");
    await page.getByLabel("Target 1", { exact: true }).fill("openai/gpt-4o-mini");
    await page.getByRole("button", { name: "Add target" }).click();
    await page.getByLabel("Target 2", { exact: true }).fill("groq/llama-3.3-70b-versatile");
    await page.getByRole("button", { name: "Create alias" }).click();
    const smart = page.locator('[data-alias="smart"]');
    await smart.waitFor();
    const rows = smart.locator("table.explain tbody tr");
    expect(await rows.count()).toBe(2);
    const first = (await rows.nth(0).textContent())!;
    expect(first).toContain("openai/gpt-4o-mini");
    expect(first).toContain("sk-…Xy42");
    expect(first).toContain("sealed");
    expect(first).toContain("$0.15 / $0.6");
    expect(await rows.nth(0).locator(".badge").textContent()).toBe("ok");
    expect(await rows.nth(1).textContent()).toContain("gsk-…0000");

    // The same explanation the API (and route explain --json) gives.
    const api = (await (await fetch(`${engine.url}/api/settings/aliases`)).json()) as { data: { explain: { targets: { key: string }[] } }[] };
    expect(api.data[0]!.explain.targets.map((t) => t.key)).toEqual(["sk-…Xy42", "gsk-…0000"]);

    // A target the engine refuses: the message, and the target's field marked.
    await page.getByRole("button", { name: "New alias" }).click();
    await page.fill("input[name=name]", "broken");
    await page.getByLabel("Target 1", { exact: true }).fill("nope/model");
    await page.getByRole("button", { name: "Create alias" }).click();
    await page.getByRole("alert").getByText("unknown provider").waitFor();
    expect(await page.getByLabel("Target 1", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    await page.getByLabel("Target 1", { exact: true }).fill("smart");
    await page.fill("input[name=name]", "outer");
    await page.getByRole("button", { name: "Create alias" }).click();
    await page.locator('[data-alias="outer"]').waitFor();

    // smart is in use by outer: the engine's 409 is shown on its card, and smart stays.
    await smart.getByRole("button", { name: "Delete" }).click();
    await smart.getByRole("button", { name: "Delete" }).click();
    await smart.getByRole("alert").getByText("used by another alias").waitFor();

    await smart.getByRole("button", { name: "Edit" }).click();
    const editor = page.locator("form.alias-editor");
    await editor.locator("select[name=strategy]").selectOption("weighted");
    await editor.getByLabel("Weight of target 1").fill("3");
    await editor.getByRole("button", { name: "Move target 2 up" }).click();
    expect(await editor.getByLabel("Target 1", { exact: true }).inputValue()).toBe("groq/llama-3.3-70b-versatile");
    await editor.getByRole("button", { name: "Move target 1 down" }).click();
    await editor.getByText("Params and retry").click();
    await editor.locator("textarea[name=params]").fill('{"max_tokens": 64}');
    await editor.getByRole("button", { name: "Save alias" }).click();
    await page.getByText("Saved smart.").waitFor();
    await until(() => smart.locator("table.explain th", { hasText: "weight" }).count(), 1);
    expect(await smart.locator("table.explain tbody tr").first().locator("td").nth(2).textContent()).toBe("3");
    expect(await smart.textContent()).toContain('Sets {"max_tokens":64} on every request.');

    const client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: "outer", messages: [{ role: "user", content: "through two aliases" }] });
    expect(answer.choices[0]!.message.content).toContain("through two aliases");
    await kit.shot(page, "settings-aliases");

    await page.getByRole("button", { name: "New alias" }).click();
    await kit.shot(page, "settings-alias-editor");
    await page.close();
  });

  test("audit: the page lists every change made above, newest first, and no key", async () => {
    const page = await kit.open(`${engine.url}/settings/audit`);
    const rows = page.locator("table.audit tbody tr");
    await rows.first().waitFor();
    const lines = await rows.evaluateAll((trs) =>
      trs.map((tr: any) =>
        [...tr.querySelectorAll("td")]
          .slice(1, 5)
          .map((td: any) => td.textContent)
          .join(" | "),
      ),
    );
    expect(lines).toEqual([
      "local | set alias alias.set | smart | openai/gpt-4o-mini → groq/llama-3.3-70b-versatile",
      "local | set alias alias.set | outer | smart",
      "local | set alias alias.set | smart | openai/gpt-4o-mini → groq/llama-3.3-70b-versatile",
      "local | set base URL base_url.set | mistral | default",
      "local | set base URL base_url.set | mistral | http://127.0.0.1:9/v1",
      "local | set key key.set | groq | —",
      "local | set key key.set | openai | —",
    ]);
    expect(await page.content()).not.toMatch(/Xy42|0000|sk-ui|gsk-wrong/);
    await kit.shot(page, "settings-audit");
    await page.close();
  });

  test("tokens: the first one is warned about, shown once with a copy button, signs the page in, then is listed without its secret", async () => {
    const page = await kit.open(`${engine.url}/settings/tokens`, { permissions: ["clipboard-read", "clipboard-write"] });
    await page.getByText("This engine has no tokens yet").waitFor();
    await page.getByRole("heading", { name: "No tokens yet" }).waitFor();
    expect(await page.locator("input[name=admin]").isChecked()).toBe(true);
    await kit.shot(page, "settings-tokens-first");
    await page.fill("input[name=name]", "ops");
    await page.getByRole("button", { name: "Create token" }).click();
    await page.getByText("you will not see it again").waitFor();
    const shown = (await page.locator(".token-value code").textContent())!;
    expect(shown).toMatch(/^otk_[0-9a-f]{12}_/);
    tokens.ops = shown;
    await page.getByRole("button", { name: "Copy", exact: true }).click();
    await page.getByText("Copied.").waitFor();
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe(shown);
    // The engine is closed now: a script without a token is refused.
    expect((await fetch(`${engine.url}/api/settings/tokens`)).status).toBe(401);
    await kit.shot(page, "settings-token-created");

    await page.getByRole("button", { name: "Sign in with this token" }).click();
    await page.getByText("Signed in as ops.").waitFor();
    await page.getByRole("button", { name: "Sign out" }).waitFor();
    await page.getByRole("button", { name: "Done, I have copied it" }).click();
    const rows = page.locator("table.tokens tbody tr");
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    expect(await page.content()).not.toContain(shown.slice(-12));

    // A second, non-admin token (no warning now), for the next test; and one made to be revoked.
    expect(await page.getByText("This engine has no tokens yet").count()).toBe(0);
    for (const name of ["app", "old"]) {
      await page.fill("input[name=name]", name);
      expect(await page.locator("input[name=admin]").isChecked()).toBe(false);
      await page.getByRole("button", { name: "Create token" }).click();
      tokens[name] = (await page.locator(".token-value code").textContent())!;
      await page.getByRole("button", { name: "Done, I have copied it" }).click();
      await until(() => rows.count(), Object.keys(tokens).length);
    }
    // Limits: the compact form on a row; a value the engine refuses names its field; the list shows spend against them.
    const app = rows.filter({ hasText: "app" }).first();
    await app.getByRole("button", { name: "Limits" }).click();
    const form = page.getByRole("form", { name: "limits of app" });
    await form.locator("input[name=rpm]").fill("lots");
    await form.getByRole("button", { name: "Save limits" }).click();
    await form.getByText(/rpm/).first().waitFor();
    expect(await form.locator("input[name=rpm]").getAttribute("aria-invalid")).toBe("true");
    await form.locator("input[name=day]").fill("5");
    await form.locator("input[name=rpm]").fill("60");
    await form.locator("input[name=allow]").fill("openai/*, smart");
    await form.getByRole("button", { name: "Save limits" }).click();
    await app.getByText("$0 of $5.00 today").waitFor();
    expect(await app.textContent()).toContain("60 requests/min");
    expect(await app.textContent()).toContain("only openai/*, smart");
    const listed: any = await page.evaluate("fetch('/api/settings/tokens').then((r) => r.json())");
    expect(listed.data.find((t: any) => t.name === "app")).toMatchObject({ budget: { day: 5 }, rpm: 60, allow: ["openai/*", "smart"], spend: { day: 0 } });
    await kit.shot(page, "settings-token-limits");

    const old = rows.filter({ hasText: "old" });
    await old.getByRole("button", { name: "Revoke" }).click();
    await old.getByText("Its clients are refused").waitFor();
    await old.getByRole("button", { name: "Revoke" }).click();
    await old.getByText(/^revoked /).waitFor();
    const html = await page.content();
    for (const t of Object.values(tokens)) expect(html).not.toContain(t.slice(-12));
    await kit.shot(page, "settings-tokens");

    await page.goto(`${engine.url}/settings/audit`);
    await page.locator("table.audit tbody tr").first().waitFor();
    const audit = await page.locator("table.audit tbody").textContent();
    for (const line of ["token opsrevoked token", "token opscreated token", "localcreated token"]) expect(audit).toContain(line);
    await page.close();
  });

  test("a non-admin token sees that settings need an admin token, without a broken page", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    const page = await context.newPage();
    // The sign-in flow's 401s are logged as failed loads; nothing else may be.
    kit.watch(page, errors, /status of 401/);
    await page.goto(`${engine.url}/settings/aliases`);
    await page.getByLabel("Engine token").fill(tokens.app!);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("Settings need an admin token").waitFor();
    expect(await page.getByText("You are signed in with the token app").count()).toBe(1);
    expect(await page.locator("nav.tabs a").count()).toBe(4);
    await page.getByRole("link", { name: "Audit log" }).click();
    await page.waitForURL(`${engine.url}/settings/audit`);
    await page.getByText("Settings need an admin token").waitFor();
    await kit.shot(page, "settings-admin-required");
    // The API says the same to the same session.
    const status = await page.evaluate("fetch('/api/settings/audit').then((r) => r.status)");
    expect(status).toBe(403);
    expect(errors.filter((e) => !/status of 403/.test(e))).toEqual([]);
    await context.close();
  });

  test("no settings page logged an error, broke the CSP or ran a dialog", () => {
    expect(kit.problems).toEqual([]);
  });
});
