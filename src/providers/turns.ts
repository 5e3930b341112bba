/**
 * An appender for a conversation's turns that merges consecutive turns of the same role: the
 * Anthropic, Gemini and Converse APIs all want user and assistant turns to alternate, while OpenAI
 * clients send several same-role messages in a row (parallel tool results, a system note between
 * user messages). `key` names the turn's list (`content`, `parts`); an empty list adds nothing.
 */
export function mergeSameRoleTurns<K extends string, Turn extends { role: string } & Record<K, unknown[]>>(
  turns: Turn[],
  key: K,
): (role: Turn["role"], items: Turn[K]) => void {
  return (role, items) => {
    if (items.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === role) last[key].push(...items);
    else turns.push({ role, [key]: items } as unknown as Turn);
  };
}
