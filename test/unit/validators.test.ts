import { parseDateTime, parseDType, parsePath, parseSha256, parseStorageSize, parseUri, serializeStorageSize } from '../../src/scalars/validators.js';
import { DType, Path, StorageSize, Uri } from '../../src/scalars/index.js';
import { parseValue, valueFromAST } from 'graphql';

describe('StorageSize', () => {
  it('accepts non-negative integers, exact past 2^53', () => {
    expect(parseStorageSize(0)).toBe(0);
    expect(parseStorageSize('2400000')).toBe(2400000);
    expect(parseStorageSize('9007199254740993')).toBe(9007199254740993n);
    expect(serializeStorageSize(9007199254740993n)).toBe('9007199254740993');
    expect(serializeStorageSize(12)).toBe(12);
  });
  it.each([[-1], [1.5], ['1e3'], ['-4'], [null], [2 ** 60], ['99999999999999999999']])('rejects %p', (v) => {
    expect(() => parseStorageSize(v)).toThrow(/StorageSize/);
  });
  it('keeps an integer literal exact', () => {
    expect(valueFromAST(parseValue('9007199254740993'), StorageSize)).toBe(9007199254740993n);
  });
});

describe('Uri', () => {
  it.each(['s3://bucket/key.csv', 'https://example.com/a?b=c#d', 'datum://model-prod', 'gs://b/o%20x', 'urn:isbn:0451450523'])('accepts %s', (v) => {
    expect(parseUri(v)).toBe(v);
  });
  it.each(['no scheme', 'bucket/key', '://x', 'http://a b', 's3://x/%zz', ''])('rejects %p', (v) => {
    expect(() => parseUri(v)).toThrow(/Uri must/);
  });
});

describe('DType', () => {
  it.each(['int64', 'float32', 'string', 'bool', 'datetime64[ns]', 'uint8', 'category', 'decimal(10, 2)'])('accepts %s', (v) => {
    expect(parseDType(v)).toBe(v);
  });
  it.each(['int65', 'Int64', 'datetime64[xx]', '', 'float 32'])('rejects %p', (v) => {
    expect(() => parseDType(v)).toThrow(/DType must be a data type name/);
  });
  it('rejects through the GraphQL scalar with BAD_USER_INPUT', () => {
    try {
      DType.parseValue('int65');
      throw new Error('accepted');
    } catch (error: any) {
      expect(error.extensions.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('Path', () => {
  it.each(['subdir/sub2/file.txt', 'a', '/abs/path', 'dir.with.dots/x'])('accepts %s', (v) => {
    expect(parsePath(v)).toBe(v);
  });
  it.each([
    ['../x', /'\.\.' segments/],
    ['a/../../x', /'\.\.' segments/],
    ['a//b', /normalised.*"a\/b"/],
    ['./a', /normalised.*"a"/],
    ['a/', /normalised/],
    ['a\0b', /NUL/],
    ['', /non-empty/],
  ])('rejects %p', (v, message) => {
    expect(() => parsePath(v)).toThrow(message);
  });
  it('is the GraphQL scalar', () => {
    expect(Path.parseValue('a/b')).toBe('a/b');
    expect(() => Uri.parseValue(12)).toThrow(/Uri must be a string, got 12/);
  });
});

describe('DateTime and sha256', () => {
  it('canonicalises date-times with a zone and rejects the rest', () => {
    expect(parseDateTime('2024-05-01T14:00:00+02:00')).toBe('2024-05-01T12:00:00.000Z');
    expect(() => parseDateTime('2024-05-01')).toThrow(/with a zone/);
    expect(() => parseDateTime('2024-13-45T00:00:00Z')).toThrow(/not a real date/);
  });
  it('accepts 64 hex characters, lower-cased', () => {
    expect(parseSha256('A'.repeat(64))).toBe('a'.repeat(64));
    expect(() => parseSha256('abc')).toThrow(/64 hexadecimal/);
  });
});
