/**
 * Lets pending events run (one macrotask turn). A synchronous tfjs loop on wasm or cpu never returns
 * to the event loop, so a Ctrl-C handler could not fire until the loop ended; yield every few steps.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) =>
    typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0),
  );
}

/** Throws an `AbortError` when the signal fired; call it between steps of long work. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) {
    const err = new Error('run aborted');
    err.name = 'AbortError';
    throw err;
  }
}

/** Yields to the event loop, then throws an `AbortError` if the signal fired: the abort point of long loops. */
export async function abortPoint(signal: AbortSignal): Promise<void> {
  await yieldToEventLoop();
  throwIfAborted(signal);
}
