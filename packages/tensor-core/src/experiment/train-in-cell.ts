import { cellSink, type TrainOptions, type TrainResult, train } from '../train/loop.js';
import type { CellContext } from './cell.js';

/**
 * {@link train} wired to an experiment cell: it stops on the cell's abort signal, writes its loss
 * records to the cell's metrics log, and reports a `training` progress phase with the window loss at
 * every check. Any of the three can be overridden in `o`.
 */
export function trainInCell(
  ctx: Pick<CellContext, 'signal' | 'progress' | 'log'>,
  o: TrainOptions,
): Promise<TrainResult> {
  ctx.progress.start('training', o.steps);
  return train({
    signal: ctx.signal,
    sink: cellSink(ctx),
    onProgress: (p) => ctx.progress.update(p.step, `loss ${p.loss.toFixed(3)}`),
    ...o,
  });
}
