// The program `opentracy exec` runs in test/cli/exec.test.ts: the official SDKs configured by the
// environment only (no base URL, no key of their own), as a user's program would be. It prints
// what it got, so the test can check that its stdout passes through unchanged, and exits with
// the code given as its first argument.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";

const openai = new OpenAI({ maxRetries: 0 });
const anthropic = new Anthropic({ maxRetries: 0 });

const whole = await openai.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "plain call" }] });
process.stdout.write(`whole: ${whole.choices[0]?.message.content}\n`);

let streamed = "";
const stream = await openai.chat.completions.create({ model: "openai/gpt-4o", messages: [{ role: "user", content: "streamed call" }], stream: true });
for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? "";
process.stdout.write(`stream: ${streamed}\n`);

try {
  await openai.chat.completions.create({ model: "nowhere/none", messages: [{ role: "user", content: "failing call" }] });
  process.stdout.write("error: none\n");
} catch (e) {
  process.stdout.write(`error: ${(e as { status?: number }).status}\n`);
}

const message = await anthropic.messages.create({
  model: "anthropic/claude-haiku-4-5",
  max_tokens: 64,
  messages: [{ role: "user", content: "anthropic call" }],
});
process.stdout.write(`messages: ${message.content[0]?.type === "text" ? message.content[0].text : "?"}\n`);
process.stderr.write("child's own stderr line\n");
process.exit(Number(process.argv[2] ?? 0));
