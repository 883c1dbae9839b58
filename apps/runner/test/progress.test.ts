import { describe, expect, it } from 'vitest';
import { StderrProgress } from '../src/progress.js';

class Sink {
  text = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns = 120,
  ) {}
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

describe('progress', () => {
  it('off a TTY prints plain lines: at the start, at most every 5 s, and at the end', () => {
    let now = 0;
    const sink = new Sink(false);
    const p = new StderrProgress({ stream: sink, prefix: '[x seed 0]', now: () => now });
    p.start('train', 100);
    for (let i = 1; i <= 100; i++) {
      now += 200; // 20 s in total
      p.update(i, `loss ${(1 / i).toFixed(2)}`);
    }
    p.update(100);
    const lines = sink.text.trimEnd().split('\n');
    expect(lines[0]).toBe('[x seed 0] train: 0/100 (0%) 0s');
    expect(lines.at(-1)).toBe('[x seed 0] train: 100/100 (100%) 20s loss 0.01');
    // start + one line per 5 s (at 5, 10, 15 s) + the end line (20 s); never a carriage return.
    expect(lines).toHaveLength(5);
    expect(lines[1]).toBe('[x seed 0] train: 25/100 (25%) 5s loss 0.04');
    expect(sink.text).not.toContain('\r');
  });

  it('on a TTY redraws one bar in place and clears it at the end', () => {
    let now = 0;
    const sink = new Sink(true);
    const p = new StderrProgress({ stream: sink, prefix: '[x]', now: () => now });
    p.start('train', 4);
    now += 1000;
    p.update(2, 'loss 0.5');
    expect(sink.text.endsWith('\r\x1b[K[x] train [############............]  50% 2/4 1s < 1s loss 0.5')).toBe(
      true,
    );
    p.finish();
    expect(sink.text.endsWith('\r\x1b[K')).toBe(true);
    expect(sink.text).not.toContain('\n');
  });
});
