import fc from "fast-check";

/** An OpenAI user message's content: a string, or one to three parts of text and images. */
export function userContentOf(text: fc.Arbitrary<string>, image: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    text,
    fc.array(
      fc.oneof(
        text.map((t) => ({ type: "text", text: t })),
        image,
      ),
      { minLength: 1, maxLength: 3 },
    ),
  );
}
