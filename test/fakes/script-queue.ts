// The behaviours a test has lined up for a fake upstream's next requests.

export class ScriptQueue<S extends { times?: number }> {
  private readonly queue: { script: S; left: number }[] = [];

  /** `times` requests get this behaviour (default 1; Infinity for all that follow) */
  push(next: S) {
    this.queue.push({ script: next, left: next.times ?? 1 });
  }

  /** the behaviour for the request at hand; undefined when nothing is lined up */
  next(): S | undefined {
    const head = this.queue[0];
    if (!head) return undefined;
    if (--head.left <= 0) this.queue.shift();
    return head.script;
  }
}
