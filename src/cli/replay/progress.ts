/** What the command tells as calls end: a bar on a terminal, nothing otherwise. */
export interface Progress {
  tick(ok: boolean): void;
  done(): void;
}

const WIDTH = 30;

/**
 * A one-line bar on stderr, redrawn in place as calls end; only when stderr is a terminal, so a
 * pipe or a log file never fills with carriage returns.
 */
export function progressBar(total: number, out: NodeJS.WriteStream = process.stderr): Progress {
  if (!out.isTTY || total === 0) return { tick() {}, done() {} };
  let n = 0;
  let errors = 0;
  const draw = () => {
    const filled = Math.round((n / total) * WIDTH);
    const failed = errors ? `  ${errors} error${errors > 1 ? "s" : ""}` : "";
    out.write(`\r\x1b[2K[${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${n}/${total}${failed}`);
  };
  draw();
  return {
    tick(ok) {
      n++;
      if (!ok) errors++;
      draw();
    },
    done() {
      out.write("\r\x1b[2K");
    },
  };
}
