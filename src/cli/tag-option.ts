import { z } from "zod";

/** One `--tag key=value`: the key is everything before the first `=`, the value the rest (it may hold `=`). */
export const TagOption = z
  .string()
  .regex(/^[^=]+=.*$/, "--tag wants key=value")
  .transform((t) => ({ key: t.slice(0, t.indexOf("=")), value: t.slice(t.indexOf("=") + 1) }));

export type TagFilter = z.output<typeof TagOption>;

/** commander's collector for a repeatable `--tag`. */
export const collectTags = (value: string, previous: string[]): string[] => [...previous, value];
