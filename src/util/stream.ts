import type { Writable } from 'node:stream';

/**
 * Takes bytes piece by piece and copies (or hashes) each before `write` returns, so the writer may reuse or pass
 * views of buffers it does not own; a returned promise means: wait for it before writing more. What a tar writer
 * writes into (`TarSink`) and a layer writer takes a tar from (`LayerSink`).
 */
export interface ByteSink {
  write(bytes: Uint8Array): Promise<void> | undefined;
}

/**
 * Resolves on the Writable's next 'drain'; rejects if it errors or closes first (no hang on a dead pipeline),
 * with its error, else with `closedError()`.
 */
export function drained(out: Writable, closedError: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const onClose = (): void => {
      cleanup();
      reject(out.errored ?? closedError());
    };
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}
