const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/**
 * Bytes in decimal units at three significant digits (12,345,678 -> 12.3 MB): the
 * `display` of a StorageSize metadata value. The explorer bundles it too, for sizes that
 * arrive without a display (Datum.size), so a size reads the same wherever it is shown.
 * Past 2^53 a size arrives as a string of digits; three digits survive the conversion.
 */
export function formatStorageSize(bytes: number | bigint | string): string {
  let n = Number(bytes);
  let unit = 0;
  while (n >= 1000 && unit < UNITS.length - 1) {
    n /= 1000;
    unit++;
  }
  if (unit === 0) return `${n} B`;
  let rounded = Number(n.toPrecision(3));
  // 999,999 bytes round to 1000 kB, which reads as the next unit
  if (rounded >= 1000 && unit < UNITS.length - 1) {
    rounded /= 1000;
    unit++;
  }
  return `${rounded} ${UNITS[unit]}`;
}
