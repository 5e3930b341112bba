// The name test/server/stream-relay.test.ts imports; the adapter lives in openai/ like every protocol.
export { openaiAdapter as openaiCompatible } from "./openai/index.ts";
