// The text of a chat message in OpenAI's shape (a string, or parts of which the text ones count),
// which the OpenAI, Azure and Cohere fakes echo when unscripted and count prompt tokens by.

type Message = Record<string, any>;

export function messageText(message: Message): string {
  if (typeof message?.content === "string") return message.content;
  if (Array.isArray(message?.content)) return message.content.map((part: Message) => (typeof part?.text === "string" ? part.text : "")).join("");
  return "";
}

export function lastUserText(messages: Message[]): string {
  const last = messages.findLast((message) => message.role === "user");
  return last ? messageText(last) : "";
}
