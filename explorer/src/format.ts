/** Human renderings shared by the graph, the panel and the comparison. */
import { formatStorageSize } from '../../src/domain/sizes.js';

/** A size as the API's `display` words it (12,345,678 bytes -> 12.3 MB), for sizes sent without one. */
export function formatBytes(value: number | string | null | undefined): string {
  return value == null ? '—' : formatStorageSize(value);
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null) return '—';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en');
  return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e6 ? String(Number(value.toPrecision(6))) : value.toExponential(3);
}

/** A delta with its sign, in bytes' units for sizes: +0.0003, -12, +1.2 MB. */
export function formatDelta(delta: number, bytes = false): string {
  const sign = delta > 0 ? '+' : delta < 0 ? '-' : '';
  const size = Math.abs(delta);
  return sign + (bytes ? formatStorageSize(size) : Number.isInteger(size) ? size.toLocaleString('en') : String(size));
}

/** A count and its noun: 1 node, 3 nodes. */
export const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The last segment of a path, which is what tells files apart in a graph. */
export const basename = (path: string) => path.split('/').filter(Boolean).pop() ?? path;

export const shortId = (id: string) => id.slice(0, 8);
