// `setImmediate` for the experiment thread. tensor-core's abort points (and the runner's demo) yield
// one macrotask with it when it exists, else with `setTimeout(0)`, which browsers clamp to 4 ms once
// nested: an experiment that yields every step would spend most of its time asleep. A MessageChannel
// message is a macrotask without that clamp, as `setImmediate` is in Node.
const g = globalThis as { setImmediate?: (fn: (...args: unknown[]) => void, ...args: unknown[]) => unknown };

if (typeof g.setImmediate !== 'function') {
  const queue: (() => void)[] = [];
  const channel = new MessageChannel();
  channel.port1.onmessage = () => queue.shift()?.();
  g.setImmediate = (fn, ...args) => {
    queue.push(() => fn(...args));
    channel.port2.postMessage(0);
    return queue.length;
  };
}
