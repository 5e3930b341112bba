/**
 * How many event-loop turns `work` spans: counts setImmediate callbacks that run before it
 * settles. 0 means it ran in one go and requests arriving meanwhile would have waited it out.
 */
export async function turnsDuring<T>(work: () => Promise<T>): Promise<{ value: T; turns: number }> {
  let done = false;
  let turns = 0;
  const tick = () => {
    if (done) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const value = await work();
  done = true;
  return { value, turns };
}
