import { display } from '../../src/domain/metadata.js';
import { formatBytes, formatDelta } from '../../explorer/src/format.js';

/** The explorer's own renderings (bundled into the page, tested here without a browser). */
describe('sizes', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1 kB'],
    [12_345_678, '12.3 MB'],
    [48_200_000, '48.2 MB'],
    [999_999, '1 MB'],
    [1_500_000_000, '1.5 GB'],
    ['12345678901234567890', '12.3 EB'],
  ])('%p bytes read %s in the explorer and in the API', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
    expect(display('STORAGE_SIZE', typeof bytes === 'string' ? BigInt(bytes) : bytes)).toBe(text);
  });
  it('shows a missing size as a dash', () => {
    expect(formatBytes(null)).toBe('—');
  });
});

describe('deltas', () => {
  it('carry their sign, and sizes read in units', () => {
    expect(formatDelta(0.0003)).toBe('+0.0003');
    expect(formatDelta(-0.013)).toBe('-0.013');
    expect(formatDelta(12000)).toBe('+12,000');
    expect(formatDelta(-1_200_000, true)).toBe('-1.2 MB');
  });
});
