import { describe, expect, test } from "bun:test";
import { count, ms, percent, tokens, uptime, usd, when } from "../../src/ui/app/format.ts";

describe("numbers for people", () => {
  test("cost: two significant digits below a dollar, cents above, a dash when unknown", () => {
    expect(usd(0.0042)).toBe("$0.0042");
    expect(usd(0.00000345)).toBe("$0.0000035");
    expect(usd(0.123)).toBe("$0.12");
    expect(usd(12.5)).toBe("$12.50");
    expect(usd(0)).toBe("$0");
    expect(usd(1e-9)).toBe("<$0.000001");
    expect(usd(null)).toBe("—");
  });
  test("tokens and counts", () => {
    expect(count(340)).toBe("340");
    expect(count(1200)).toBe("1.2k");
    expect(count(1000)).toBe("1k");
    expect(count(250_000)).toBe("250k");
    expect(count(3_400_000)).toBe("3.4M");
    expect(tokens(1234)).toBe("1.2k tokens");
    expect(tokens(null)).toBe("—");
  });
  test("latency and rates", () => {
    expect(ms(340.4)).toBe("340 ms");
    expect(ms(0.42)).toBe("0.4 ms");
    expect(ms(2)).toBe("2 ms");
    expect(ms(9.96)).toBe("10 ms");
    expect(ms(0)).toBe("0 ms");
    expect(ms(1200)).toBe("1.2 s");
    expect(ms(2000)).toBe("2 s");
    expect(ms(125_000)).toBe("2 min 5 s");
    expect(percent(1, 4)).toBe("25%");
    expect(percent(1, 300)).toBe("0.3%");
    expect(percent(0, 0)).toBe("—");
  });
  test("times: today without the date, earlier days with it", () => {
    const now = new Date("2026-03-10T15:00:00");
    expect(when(new Date("2026-03-10T09:05:07").toISOString(), now)).toMatch(/^09:05:07$/);
    expect(when(new Date("2026-03-02T09:05:07").toISOString(), now)).toMatch(/2.*09:05:07$/);
  });
  test("uptime: coarse, in the largest units that matter", () => {
    expect([uptime(0), uptime(59.9), uptime(60), uptime(3599), uptime(3600 * 3 + 60 * 12), uptime(86_400 * 2 + 3600 * 4 + 59)]).toEqual([
      "0 s",
      "59 s",
      "1 min",
      "59 min",
      "3 h 12 min",
      "2 d 4 h",
    ]);
  });
});
