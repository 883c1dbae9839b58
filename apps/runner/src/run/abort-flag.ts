/**
 * A Ctrl-C flag shared between the main thread and a run's worker. Experiments call the synchronous
 * `throwIfAborted(ctx.signal)` inside loops that never return to the event loop, so an `abort`
 * message (or event) could not be seen until the loop ended. A SharedArrayBuffer word is read
 * without any event-loop turn, so the flag reaches such loops immediately.
 */
export type AbortFlag = Int32Array<SharedArrayBuffer>;

/** A new flag, initially clear. Pass `flag.buffer` in `workerData` and rebuild it with {@link abortFlagOf}. */
export function createAbortFlag(): AbortFlag {
  return new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
}

/** The flag over a buffer received in `workerData`. */
export function abortFlagOf(buffer: SharedArrayBuffer): AbortFlag {
  return new Int32Array(buffer);
}

/** Sets the flag (main thread, first Ctrl-C). */
export function raiseAbortFlag(flag: AbortFlag): void {
  Atomics.store(flag, 0, 1);
}

/** Whether the flag is set. */
export function isAbortFlagRaised(flag: AbortFlag): boolean {
  return Atomics.load(flag, 0) === 1;
}

/**
 * A real AbortSignal (so `addEventListener('abort')`, `AbortSignal.any` and tfjs-free code keep
 * working) whose `aborted` and `throwIfAborted` also read the shared flag. `abort()` fires the
 * listeners; the runner calls it when its 'abort' message arrives, i.e. at the worker's next
 * event-loop turn.
 */
export function flaggedSignal(flag: AbortFlag): { readonly signal: AbortSignal; abort(): void } {
  const controller = new AbortController();
  const signal = controller.signal;
  const nativeAborted = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;
  const aborted = (): boolean => isAbortFlagRaised(flag) || (nativeAborted.call(signal) as boolean);
  // Own properties shadow AbortSignal.prototype's accessors, so tensor-core's throwIfAborted and its
  // train loop (`o.signal?.aborted`) see the flag without an event-loop turn.
  Object.defineProperty(signal, 'aborted', { get: aborted, configurable: true, enumerable: true });
  Object.defineProperty(signal, 'throwIfAborted', {
    value(): void {
      if (!aborted()) return;
      throw signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
    },
    configurable: true,
    writable: true,
  });
  return {
    signal,
    abort(): void {
      if (!nativeAborted.call(signal))
        controller.abort(new DOMException('run aborted by Ctrl-C', 'AbortError'));
    },
  };
}
