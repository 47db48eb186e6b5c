import cliProgress from 'cli-progress';

/** A step reporter: a progress bar on a terminal's stderr, silent otherwise (shared/CLI.md). */
export interface Progress {
  step(label: string, done: number, total: number): void;
  stop(): void;
}

export function progressBar(title: string): Progress {
  if (!process.stderr.isTTY) return { step: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${title} [{bar}] {value}/{total} {label}`, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    step(label, done, total) {
      if (!started) {
        bar.start(total, done, { label });
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, { label });
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** A one-line status on a terminal's stderr for steps without a measurable total. */
export function status(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`${text}\n`);
}
