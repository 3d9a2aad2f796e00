import { display } from '../../src/metadata/rules.js';
import { atPrecisionOf, decimalsOf, formatBytes, formatDelta } from '../../explorer/src/format.js';

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
  it.each([
    [0.125, 3],
    [1200, 0],
    [1e-7, 7],
    [1.5e-7, 8],
    [-0.01, 2],
  ])('%p has %p decimals', (value, digits) => {
    expect(decimalsOf(value)).toBe(digits);
  });
  it('are taken at the precision of the values they are between', () => {
    expect(atPrecisionOf(0.02 - 0.01, 0.02, 0.01)).toBe(0.01);
    expect(atPrecisionOf(0.9615 - 0.9612, 0.9612, 0.9615)).toBe(0.0003);
    expect(atPrecisionOf(0.9609 - 0.9612, 0.9612, 0.9609)).toBe(-0.0003);
    expect(atPrecisionOf(530 - 412, 412, 530)).toBe(118);
  });
  it('carry their sign, and sizes read in units', () => {
    expect(formatDelta(0.0003)).toBe('+0.0003');
    expect(formatDelta(-0.013)).toBe('-0.013');
    expect(formatDelta(12000)).toBe('+12,000');
    expect(formatDelta(-1_200_000, true)).toBe('-1.2 MB');
  });
});
