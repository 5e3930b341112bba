import { getProvider } from "../../../src/providers/registry.ts";
import { describe, expect, test } from "bun:test";
import { azureAdapter } from "../../../src/providers/azure/index.ts";
import { azureRoute, DEFAULT_API_VERSION } from "../../../src/providers/azure/url.ts";
import type { ChatRequestBody } from "../../../src/openai/schema.ts";
import { azureTarget } from "./helpers.ts";

const ENDPOINT = "https://my-resource.openai.azure.com";

describe("route", () => {
  test("dated API by default, with the latest GA version", () => {
    expect(DEFAULT_API_VERSION).toBe("2024-10-21");
    expect(azureRoute(ENDPOINT, "gpt-4o-prod", undefined)).toEqual({
      url: `${ENDPOINT}/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21`,
      v1: false,
      streamOptions: true,
    });
    expect(azureRoute(ENDPOINT, "gpt-4o-prod", "  ").url).toEndWith("?api-version=2024-10-21");
  });

  test("AZURE_OPENAI_API_VERSION picks the version; before 2024-09-01 there is no stream_options", () => {
    expect(azureRoute(ENDPOINT, "d", "2025-04-01-preview")).toMatchObject({
      url: `${ENDPOINT}/openai/deployments/d/chat/completions?api-version=2025-04-01-preview`,
      streamOptions: true,
    });
    expect(azureRoute(ENDPOINT, "d", "2024-06-01").streamOptions).toBe(false);
    expect(azureRoute(ENDPOINT, "d", "2024-08-01-preview").streamOptions).toBe(false);
    expect(azureRoute(ENDPOINT, "d", "2024-09-01-preview").streamOptions).toBe(true);
  });

  test("the v1 API: version v1 or preview, or an endpoint that already ends in /openai/v1", () => {
    expect(azureRoute(ENDPOINT, "d", "v1")).toEqual({ url: `${ENDPOINT}/openai/v1/chat/completions`, v1: true, streamOptions: true });
    expect(azureRoute(ENDPOINT, "d", "preview").url).toBe(`${ENDPOINT}/openai/v1/chat/completions?api-version=preview`);
    expect(azureRoute(`${ENDPOINT}/openai/v1`, "d", undefined).url).toBe(`${ENDPOINT}/openai/v1/chat/completions`);
    expect(azureRoute(`${ENDPOINT}/openai/v1`, "d", "2024-10-21").url).toBe(`${ENDPOINT}/openai/v1/chat/completions`);
  });

  test("an endpoint given with /openai, and deployment names that need escaping", () => {
    expect(azureRoute(`${ENDPOINT}/openai`, "my deployment/1", undefined).url).toBe(
      `${ENDPOINT}/openai/deployments/my%20deployment%2F1/chat/completions?api-version=2024-10-21`,
    );
    expect(azureRoute(`${ENDPOINT}/openai`, "d", "v1").url).toBe(`${ENDPOINT}/openai/v1/chat/completions`);
  });
});

describe("buildRequest", () => {
  const body: ChatRequestBody = {
    model: "azure/gpt-4o-prod",
    messages: [{ role: "user", content: "hi" }],
    temperature: 0.3,
    data_sources: [{ type: "azure_search", parameters: { endpoint: "https://s" } }],
    future_field: { x: [1] },
  };

  test("api-key header, the body as sent with model = the deployment", async () => {
    const { url, init } = await azureAdapter.buildRequest(body, azureTarget(), false);
    expect(url).toBe(`${ENDPOINT}/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21`);
    const headers = init.headers as Record<string, string>;
    expect(headers["api-key"]).toBe("azure-key");
    expect(headers.authorization).toBeUndefined();
    expect(headers["content-type"]).toBe("application/json");
    expect(JSON.parse(init.body as string)).toEqual({ ...body, model: "gpt-4o-prod" });
  });

  test("streams ask for usage, keeping the client's other stream options, unless the version cannot", async () => {
    const streaming = { ...body, stream: true, stream_options: { include_obfuscation: false } };
    const sent = JSON.parse((await azureAdapter.buildRequest(streaming, azureTarget(), true)).init.body as string);
    expect(sent.stream_options).toEqual({ include_obfuscation: false, include_usage: true });
    const old = JSON.parse((await azureAdapter.buildRequest({ ...body, stream: true }, azureTarget({ apiVersion: "2024-06-01" }), true)).init.body as string);
    expect(old.stream_options).toBeUndefined();
  });

  test("the v1 API gets the same body and key, at the v1 URL", async () => {
    const { url, init } = await azureAdapter.buildRequest(body, azureTarget({ apiVersion: "v1" }), false);
    expect(url).toBe(`${ENDPOINT}/openai/v1/chat/completions`);
    expect(JSON.parse(init.body as string).model).toBe("gpt-4o-prod");
    expect((init.headers as Record<string, string>)["api-key"]).toBe("azure-key");
  });
});

describe("the credentials step", () => {
  const sources = (opts: { endpoint?: string; key?: string; apiVersion?: string } = {}) => ({
    provider: getProvider("azure")!,
    baseUrl: opts.endpoint ?? "https://my-resource.openai.azure.com",
    secrets: {},
    env: {
      ...(opts.key === undefined ? { AZURE_OPENAI_API_KEY: "azure-key" } : opts.key ? { AZURE_OPENAI_API_KEY: opts.key } : {}),
      ...(opts.apiVersion ? { AZURE_OPENAI_API_VERSION: opts.apiVersion } : {}),
    },
  });
  const missing = (r: ReturnType<typeof azureAdapter.credentials>) => (r as { missing: string }).missing;

  test("resolves the key and a pinned API version", () => {
    expect(azureAdapter.credentials(sources({ apiVersion: "2024-10-21" }))).toEqual({
      key: "azure-key",
      keySource: "AZURE_OPENAI_API_KEY",
      apiVersion: "2024-10-21",
    });
  });

  test("names the endpoint variable and the key's two sources, each only when missing", () => {
    const noEndpoint = missing(azureAdapter.credentials(sources({ endpoint: "" })));
    expect(noEndpoint).toContain("AZURE_OPENAI_ENDPOINT");
    expect(noEndpoint).not.toContain("AZURE_OPENAI_API_KEY");
    const noKey = missing(azureAdapter.credentials(sources({ key: "" })));
    expect(noKey).toContain("opentracy keys set azure");
    expect(noKey).toContain("AZURE_OPENAI_API_KEY");
    expect(noKey).not.toContain("AZURE_OPENAI_ENDPOINT");
    const neither = missing(azureAdapter.credentials(sources({ endpoint: "", key: "" })));
    expect(neither).toContain("AZURE_OPENAI_ENDPOINT");
    expect(neither).toContain("AZURE_OPENAI_API_KEY");
  });
});
