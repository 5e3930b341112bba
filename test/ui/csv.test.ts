import { expect, test } from "bun:test";
import { toCsv } from "../../src/ui/app/csv.ts";

test("csv: a header, one line per row, raw numbers, quoting where needed, formulas defused", () => {
  const text = toCsv(
    ["model", "requests", "cost_usd"],
    [
      ["openai/gpt-4o-mini", 3, 0.000123],
      ['a "quoted", name', 1, 0],
      ["=HYPERLINK(1)", 0, null],
    ],
  );
  expect(text.split("\r\n")).toEqual(["model,requests,cost_usd", "openai/gpt-4o-mini,3,0.000123", '"a ""quoted"", name",1,0', "'=HYPERLINK(1),0,", ""]);
});
