/**
 * A one-line progress bar on stderr for long CLI jobs, drawn only when stderr is a terminal (a
 * pipe or a log gets nothing) and at most every 100 ms, so drawing never costs the job itself.
 */
export interface Progress {
  /** `done` of `total` units (bytes, rows), and a count to show beside the bar. */
  update(done: number, count: number): void;
  /** Clears the line, leaving the terminal as it was. */
  end(): void;
}

const WIDTH = 24;
const NONE: Progress = { update() {}, end() {} };

export function progressBar(total: number | null, noun: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return NONE;
  let last = -Infinity;
  let drawn = false;
  return {
    update(done, count) {
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      drawn = true;
      if (total === null || total <= 0) {
        stream.write(`\r\x1b[K${count} ${noun}`);
        return;
      }
      const share = Math.min(1, done / total);
      const fill = Math.round(share * WIDTH);
      stream.write(`\r\x1b[K[${"#".repeat(fill)}${"-".repeat(WIDTH - fill)}] ${Math.floor(share * 100)}%  ${count} ${noun}`);
    },
    end() {
      if (drawn) stream.write("\r\x1b[K");
    },
  };
}
