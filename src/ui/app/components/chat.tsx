import { useState } from "react";

// The conversation of a trace. Its content is untrusted (anyone who can call the engine wrote it):
// everything here is a React text child, never markup, so `<img onerror=…>` shows as those
// characters. The one attribute it sets is an <img>'s src, and only to a raster `data:` image.

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

// Raster images inlined in the request are shown; the page's CSP allows `data:` images and
// nothing remote. SVG is left out: it is a document, not a picture.
const INLINE_IMAGE = /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]+$/;

/** Roughly how many bytes a base64 data URL holds. */
const dataBytes = (url: string) => Math.floor(((url.length - url.indexOf(",") - 1) * 3) / 4);

function ImagePart({ url }: { url: string }) {
  const [open, setOpen] = useState(false);
  if (INLINE_IMAGE.test(url)) {
    const type = url.slice(5, url.indexOf(";"));
    return (
      <figure className="part image">
        <button type="button" className={`thumb${open ? " open" : ""}`} onClick={() => setOpen(!open)} title={open ? "Smaller" : "Full size"}>
          <img src={url} alt={`Sent in the prompt (${type})`} />
        </button>
        <figcaption className="muted">
          {type} · {kb(dataBytes(url))}
        </figcaption>
      </figure>
    );
  }
  // A remote URL is written by whoever called the engine: shown as text and never fetched (no
  // request from this page to a host a prompt names), and not a link.
  const remote = /^https?:\/\//i.test(url);
  return (
    <div className="part image-ref">
      <span className="muted">{remote ? "remote image, not loaded: " : "image, not shown: "}</span>
      <span className="url">{url.length > 200 ? `${url.slice(0, 200)}…` : url}</span>
    </div>
  );
}

const kb = (bytes: number) => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(bytes < 10_240 ? 1 : 0)} kB`);

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
          if (part?.type === "image_url") return <ImagePart key={key} url={String(part.image_url?.url ?? "")} />;
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

/** An embeddings call's inputs, in order (texts, or token arrays as JSON); its vectors are never stored. */
export function Inputs({ inputs }: { inputs: unknown }) {
  const list = Array.isArray(inputs) ? inputs : [];
  return (
    <div className="chat">
      {list.map((input, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: an input's position is its identity (its embedding's index)
        <div className="msg user" key={i}>
          <div className="role">input {i}</div>
          <div className="text">{typeof input === "string" ? input : JSON.stringify(input)}</div>
        </div>
      ))}
    </div>
  );
}
