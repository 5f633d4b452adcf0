/** What an import reports as it goes (the importer's onProgress argument). */
export interface Progress {
  phase: string;
  records: number;
  bytesRead?: number | undefined;
  bytesTotal?: number | undefined;
}

export interface ProgressBar {
  update(progress: Progress): void;
  /** Clears the bar, leaving the line for what is printed next. */
  done(): void;
}

/** Where the bar draws: a TTY stream (process.stderr), or anything with the same shape. */
export interface ProgressStream {
  isTTY?: boolean | undefined;
  columns?: number | undefined;
  write(text: string): unknown;
}

export interface ProgressBarOptions {
  label: string;
  /** Milliseconds; the bar redraws at most once per `interval` (default 100: ten times a second). */
  interval?: number;
  now?: () => number;
}

/**
 * A one-line progress bar on a terminal: label, bar and percentage of the source bytes read, megabytes, phase and
 * records so far, elapsed time. Redrawn in place (carriage return, erase to end of line) at most ten times a second,
 * so a fast import does not spend its time drawing. On anything that is not a terminal (a pipe, a file, CI logs) it
 * draws nothing: the output there is what the command prints at the end.
 *
 * @example
 * const bar = createProgressBar(process.stderr, { label: 'esco' });
 * await importFramework(db, source, { onProgress: (p) => bar.update(p) });
 * bar.done();
 */
export function createProgressBar(stream: ProgressStream, options: ProgressBarOptions): ProgressBar {
  if (!stream.isTTY) return { update() {}, done() {} };
  const now = options.now ?? Date.now;
  const interval = options.interval ?? 100;
  const started = now();
  let drawn = -Infinity;
  let shown = false;
  return {
    update(progress) {
      const t = now();
      if (t - drawn < interval) return;
      drawn = t;
      shown = true;
      stream.write(`\r${renderProgress(progress, options.label, (t - started) / 1000, stream.columns || 80)}\x1b[K`);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}

/** The bar's text for a terminal `columns` wide (never longer, so it never wraps). */
export function renderProgress(progress: Progress, label: string, seconds: number, columns: number): string {
  const { bytesRead, bytesTotal } = progress;
  const fraction = bytesRead !== undefined && bytesTotal ? Math.min(1, Math.max(0, bytesRead / bytesTotal)) : undefined;
  const megabytes =
    bytesRead !== undefined && bytesTotal ? ` ${(bytesRead / 1e6).toFixed(1)}/${(bytesTotal / 1e6).toFixed(1)} MB` : '';
  const percent = fraction === undefined ? '' : ` ${String(Math.floor(fraction * 100)).padStart(3)}%`;
  const tail = `${percent}${megabytes}  ${progress.phase}  ${progress.records.toLocaleString('en')} records  ${seconds.toFixed(1)} s`;
  const width = Math.max(0, Math.min(30, columns - label.length - tail.length - 4));
  const filled = fraction === undefined ? 0 : Math.round(fraction * width);
  const bar = width > 0 && fraction !== undefined ? ` [${'#'.repeat(filled)}${'-'.repeat(width - filled)}]` : '';
  return `${label}${bar}${tail}`.slice(0, Math.max(0, columns - 1));
}
