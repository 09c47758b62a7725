/**
 * Progress on stderr. On a TTY (or with --progress) each message is shown; otherwise the tool stays quiet
 * unless asked. Messages are one line each: "[  1.2s] fetched bookworm amd64 Packages.gz (12.1 MB)".
 */
export interface ProgressSink {
  (message: string): void;
}

export function makeProgress(opts: {
  enabled: boolean;
  write: (s: string) => void;
  clock: () => number;
}): ProgressSink {
  const start = opts.clock();
  if (!opts.enabled) return () => undefined;
  return (message: string) => {
    const secs = ((opts.clock() - start) / 1000).toFixed(1).padStart(5);
    opts.write(`[${secs}s] ${message}\n`);
  };
}
