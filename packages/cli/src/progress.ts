import type { StageProgress } from '@opencvm/core';
import type { Output } from './context.ts';

const WIDTH = 30;

/** A one-line progress bar with rows/s on a terminal; silent when output is not a terminal. */
export const progressBar = (stream: Output, clock: () => number) => {
  const started = clock();
  let drawn = false;
  return {
    update(progress: StageProgress): void {
      if (!stream.isTTY) return;
      const filled = Math.round(progress.fraction * WIDTH);
      const seconds = Math.max((clock() - started) / 1000, 0.001);
      const rate = Math.round(progress.rowsProcessed / seconds);
      stream.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${(progress.fraction * 100).toFixed(0).padStart(3)}%  ${progress.rowsProcessed.toLocaleString('en')} rows  ${rate.toLocaleString('en')} rows/s `,
      );
      drawn = true;
    },
    done(): void {
      if (drawn) stream.write('\n');
    },
  };
};
