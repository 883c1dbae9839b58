import { initBackend, throwIfAborted, train } from '@paperkit/tensor-core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  abortFlagOf,
  createAbortFlag,
  flaggedSignal,
  isAbortFlagRaised,
  raiseAbortFlag,
} from '../src/run/abort-flag.js';

const abortError = expect.objectContaining({ name: 'AbortError' });

describe('flaggedSignal: an AbortSignal that reads the shared Ctrl-C flag', () => {
  it('sees the flag synchronously, without an event-loop turn; abort() fires the listeners once', () => {
    const flag = createAbortFlag();
    // The worker rebuilds the view from the buffer it received; both views share the word.
    const { signal, abort } = flaggedSignal(abortFlagOf(flag.buffer));
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal.aborted).toBe(false);
    expect(() => throwIfAborted(signal)).not.toThrow();
    expect(() => signal.throwIfAborted()).not.toThrow();
    let fired = 0;
    signal.addEventListener('abort', () => fired++);
    raiseAbortFlag(flag);
    expect(isAbortFlagRaised(flag)).toBe(true);
    expect(signal.aborted).toBe(true);
    expect(() => throwIfAborted(signal)).toThrow(abortError);
    expect(() => signal.throwIfAborted()).toThrow(abortError);
    expect(fired).toBe(0);
    abort();
    abort();
    expect(fired).toBe(1);
    expect(signal.aborted).toBe(true);
  });

  it("abort() alone (the 'abort' message) aborts it too", () => {
    const { signal, abort } = flaggedSignal(createAbortFlag());
    abort();
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toEqual(abortError);
    expect(() => throwIfAborted(signal)).toThrow(abortError);
  });

  it("stops tensor-core's train loop at the step after the flag is raised inside a synchronous step", async () => {
    await initBackend({ prefer: 'cpu', blas: 'off' });
    const flag = createAbortFlag();
    const { signal } = flaggedSignal(flag);
    const before = tf.memory().numTensors;
    const run = train({
      steps: 100,
      checkEvery: 50,
      signal,
      step: (i) => {
        // Ctrl-C arrives while step 3 runs; no event-loop turn happens before step 4 (checkEvery 50).
        if (i === 3) raiseAbortFlag(flag);
        return tf.scalar(1 / (i + 1));
      },
    });
    await expect(run).rejects.toThrow(/^training aborted at step 4$/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
