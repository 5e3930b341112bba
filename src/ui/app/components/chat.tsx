// The conversation of a trace. Its content is untrusted (anyone who can call the engine wrote it):
// everything here is a React text child, never markup, so `<img onerror=…>` shows as those characters.

interface ToolCall {
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

interface Message {
  role?: string;
  content?: unknown;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  reasoning?: string;
  reasoning_content?: string;
  refusal?: string | null;
}

/** A message's content: a string, or OpenAI's array of parts (text, image_url, input_audio, file). */
function Content({ content }: { content: unknown }) {
  if (content === null || content === undefined || content === "") return null;
  if (typeof content === "string") return <div className="text">{content}</div>;
  if (Array.isArray(content)) {
    return (
      <>
        {content.map((part: any, i) => {
          const key = `${i}`;
          if (part?.type === "text") return <Content key={key} content={part.text} />;
          if (part?.type === "image_url")
            return (
              <div key={key} className="part">
                [image: {String(part.image_url?.url ?? "").slice(0, 120)}]
              </div>
            );
          return (
            <pre key={key} className="part">
              {JSON.stringify(part, null, 2)}
            </pre>
          );
        })}
      </>
    );
  }
  return <pre className="part">{JSON.stringify(content, null, 2)}</pre>;
}

/** Arguments arrive as a JSON string; indented when they parse, as sent when they do not. */
function pretty(args: string | undefined): string {
  if (!args) return "";
  try {
    return JSON.stringify(JSON.parse(args), null, 2);
  } catch {
    return args;
  }
}

function Bubble({ m, answer }: { m: Message; answer?: boolean }) {
  const role = m.role ?? "message";
  const reasoning = m.reasoning ?? m.reasoning_content;
  return (
    <div className={`msg ${role}${answer ? " answer" : ""}`}>
      <div className="role">
        {role === "tool" ? `tool result${m.tool_call_id ? ` · ${m.tool_call_id}` : ""}` : role}
        {m.name ? ` · ${m.name}` : ""}
      </div>
      {reasoning ? <div className="reasoning">{reasoning}</div> : null}
      <Content content={m.content} />
      {m.refusal ? <div className="text refusal">{m.refusal}</div> : null}
      {(m.tool_calls ?? []).map((c, i) => (
        <div className="tool-call" key={c.id ?? i}>
          <div className="tool-name">
            calls <code>{c.function?.name ?? c.type ?? "tool"}</code>
            {c.id ? <span className="muted"> · {c.id}</span> : null}
          </div>
          <pre>{pretty(c.function?.arguments)}</pre>
        </div>
      ))}
    </div>
  );
}

export function Chat({ request, response }: { request: unknown; response: unknown }) {
  const asked = Array.isArray(request) ? (request as Message[]) : [];
  const answered = Array.isArray(response) ? (response as Message[]) : [];
  return (
    <div className="chat">
      {asked.map((m, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a stored conversation never reorders; its position is its identity
        <Bubble key={`q${i}`} m={m} />
      ))}
      {answered.map((m, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: as above
        <Bubble key={`a${i}`} m={m} answer />
      ))}
    </div>
  );
}
