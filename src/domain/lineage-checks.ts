import { badInput, checkRange, limitExceeded } from './errors.js';
import { parseDateTime } from '../scalars/validators.js';
import { checked } from './validation.js';
import { MAX_FAN_OUT, MAX_STOP_NODES, type LineageFilter } from './lineage.js';

/**
 * `asOf` as an ISO instant: the graph as it stood then. A time in the future would answer
 * today's graph under a false label, and one before 1970 predates anything recorded.
 */
export function checkAsOf(value: string | Date | null | undefined, now = Date.now()): string | null {
  if (value === null || value === undefined) return null;
  const iso = checked('asOf', parseDateTime, value);
  const at = Date.parse(iso);
  if (at > now) throw badInput(`asOf must not be in the future, got ${iso}`, { field: 'asOf' });
  if (at < 0) throw badInput(`asOf must not be before 1970-01-01T00:00:00Z, got ${iso}`, { field: 'asOf' });
  return iso;
}

/** A filter with its bounds checked; `stopAt` and `maxFanOut` change the walk, the rest what is kept. */
export function checkFilter(filter: LineageFilter | null | undefined): LineageFilter {
  if (!filter) return {};
  if (filter.stopAt && filter.stopAt.length > MAX_STOP_NODES) {
    throw limitExceeded(`filter.stopAt takes at most ${MAX_STOP_NODES} ids, got ${filter.stopAt.length}`, { field: 'filter.stopAt', max: MAX_STOP_NODES });
  }
  if (filter.maxFanOut !== null && filter.maxFanOut !== undefined) checkRange('filter.maxFanOut', filter.maxFanOut, 1, MAX_FAN_OUT);
  return filter;
}
