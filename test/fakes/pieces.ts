// How a fake cuts an answer into stream deltas, and counts its output tokens by. Real APIs send
// about a token a delta; the recorded streams of every provider show words with their leading
// space attached (" Harmony"), and tool arguments cut where word characters meet punctuation
// (`{"`, `city`, `":"`, `Paris`, `"}`).

export function textPieces(text: string): string[] {
  return text.match(/\s*\S+|\s+/g) ?? [];
}

export function argumentPieces(json: string): string[] {
  return json.match(/\w+|\W+/g) ?? [];
}
