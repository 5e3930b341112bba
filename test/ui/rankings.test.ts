import { expect, test } from "bun:test";
import { costliest, slowest } from "../../src/ui/app/rankings.ts";

const row = (key: string | null, p50: number | null, p95: number | null, cost: number) => ({
  key,
  requests: 1,
  errors: 0,
  input_tokens: 0,
  output_tokens: 0,
  cached_tokens: 0,
  cost_usd: cost,
  p50_ms: p50,
  p95_ms: p95,
});

const rows = [
  row("a", 100, 900, 0.5),
  row("b", 300, 900, 0),
  row("c", 50, 2000, 0.01),
  row("d", 10, 20, 1.5),
  row(null, 5000, 9000, 9),
  row("e", null, null, 0.2),
];

test("slowest: by p95, ties broken by p50; rows without a latency or a key left out", () => {
  expect(slowest(rows).map((r) => r.key)).toEqual(["c", "b", "a"]);
  expect(slowest(rows, 10).map((r) => r.key)).toEqual(["c", "b", "a", "d"]);
});

test("most expensive: by cost; free ones are not listed", () => {
  expect(costliest(rows).map((r) => r.key)).toEqual(["d", "a", "e"]);
  expect(costliest(rows, 10).map((r) => r.key)).toEqual(["d", "a", "e", "c"]);
});
