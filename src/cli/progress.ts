import { SingleBar, Presets } from 'cli-progress';
import type { FolderProgress } from '../ingest/folder.js';

/**
 * A progress bar on a terminal; on a pipe or in CI, a plain line every tenth of the way,
 * so logs stay readable.
 */
export function progress(stream: NodeJS.WriteStream = process.stderr): FolderProgress {
  if (stream.isTTY) {
    let bar: SingleBar | null = null;
    return {
      start(phase, total) {
        bar = new SingleBar({ format: `${phase.padEnd(9)} [{bar}] {percentage}% | {value}/{total} files | {eta_formatted} left`, stream }, Presets.shades_classic);
        bar.start(total, 0);
      },
      tick: (n = 1) => bar?.increment(n),
      stop: () => bar?.stop(),
    };
  }
  let phase = '';
  let total = 0;
  let done = 0;
  let shown = -1;
  return {
    start(p, t) {
      phase = p;
      total = t;
      done = 0;
      shown = -1;
    },
    tick(n = 1) {
      done += n;
      const tenth = total ? Math.floor((done / total) * 10) : 10;
      if (tenth !== shown) {
        shown = tenth;
        stream.write(`${phase}: ${done}/${total} files\n`);
      }
    },
    stop: () => undefined,
  };
}
