import { describe, expect, test } from "bun:test";
import { clickHouseProblem, maskUrl, parseClickHouseUrl, resolveClickHouseUrl, scrub } from "../../../src/traces/clickhouse/url.ts";
import { str } from "../../../src/traces/clickhouse/sql.ts";
import { assertSupported } from "../../../src/traces/clickhouse/version.ts";

describe("ClickHouse URL", () => {
  test("parses user, password, database; shows it only masked", () => {
    const t = parseClickHouseUrl("https://team:s3cr%40t@ch.example.com:8443/traces_db");
    expect(t).toEqual({
      origin: "https://ch.example.com:8443",
      username: "team",
      password: "s3cr@t",
      database: "traces_db",
      display: "https://team:***@ch.example.com:8443/traces_db",
    });
    expect(parseClickHouseUrl("http://localhost:8123")).toMatchObject({
      username: "default",
      password: "",
      database: "opentracy",
      display: "http://localhost:8123/opentracy",
    });
  });

  test("errors never repeat the password", () => {
    for (const bad of ["ftp://u:hunter2x@h/db", "http://u:hunter2x@h/bad-name!", "not a url hunter2x"]) {
      let message = "";
      try {
        parseClickHouseUrl(bad);
      } catch (e: any) {
        message = e.message;
      }
      expect(message).not.toBe("");
      expect(message).not.toContain("hunter2x");
    }
    expect(maskUrl("gopher://u:hunter2x@h/x")).toBe("gopher://u:***@h/x");
    expect(scrub("connect to http://u:hunter2x@h failed (hunter2x)", { password: "hunter2x" })).toBe("connect to http://u:***@h failed (***)");
  });

  test("a failure for the terminal: where, masked, and the error's first line without the password", () => {
    const t = parseClickHouseUrl("http://u:hunter2x@ch.internal:8123/db");
    const e = new Error("Code: 516. Authentication failed for http://u:hunter2x@ch.internal:8123\nstack trace follows");
    expect(clickHouseProblem(e, t)).toBe("ClickHouse at http://u:***@ch.internal:8123/db: Code: 516. Authentication failed for http://u:***@ch.internal:8123");
    expect(clickHouseProblem("refused hunter2x", t)).toBe("ClickHouse at http://u:***@ch.internal:8123/db: refused ***");
  });

  test("--clickhouse, then OPENTRACY_CLICKHOUSE_URL, then config.json", () => {
    expect(resolveClickHouseUrl("http://flag", { OPENTRACY_CLICKHOUSE_URL: "http://env" }, "http://config")).toBe("http://flag");
    expect(resolveClickHouseUrl(undefined, { OPENTRACY_CLICKHOUSE_URL: "http://env" }, "http://config")).toBe("http://env");
    expect(resolveClickHouseUrl(undefined, { OPENTRACY_CLICKHOUSE_URL: "" }, "http://config")).toBe("http://config");
    expect(resolveClickHouseUrl(undefined, {}, undefined)).toBeUndefined();
  });

  test("servers from 22.3 on are supported, older ones refused with the version needed; literals are escaped", () => {
    expect(() => assertSupported("18.16.1")).toThrow("ClickHouse 18.16.1 is too old: opentracy needs 22.3 or later");
    expect(() => assertSupported("22.2.9")).toThrow("needs 22.3 or later");
    expect(() => assertSupported("22.3.1")).not.toThrow();
    expect(() => assertSupported("23.1.1")).not.toThrow();
    expect(() => assertSupported("26.7.2.1")).not.toThrow();
    expect(() => assertSupported("nonsense")).toThrow("unrecognised ClickHouse version");
    expect(str("it's a \\ test")).toBe("'it\\'s a \\\\ test'");
  });
});
