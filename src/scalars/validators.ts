import { posix } from 'node:path';

/**
 * Validation of the typed metadata values, shared by the GraphQL scalars and the
 * metadata rules, so a value accepted in one place is accepted everywhere. Each
 * function returns the canonical value or throws a TypeError whose message names the
 * value and says what is allowed.
 */

const MAX_INT64 = 2n ** 63n - 1n;

/** Bytes: a non-negative integer, exact past 2^53 (a bigint when it does not fit a number). */
export function parseStorageSize(value: unknown): number | bigint {
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'number' && Number.isInteger(value)) {
    if (!Number.isSafeInteger(value)) {
      throw new TypeError(`StorageSize ${value} is past 2^53 and inexact as a number; send it as a string of digits`);
    }
    big = BigInt(value);
  } else if (typeof value === 'string' && /^\d{1,19}$/.test(value)) big = BigInt(value);
  else {
    throw new TypeError(`StorageSize must be a non-negative integer number of bytes (or a string of digits), got ${show(value)}`);
  }
  if (big < 0n) throw new TypeError(`StorageSize must be a non-negative integer number of bytes, got ${big}`);
  if (big > MAX_INT64) throw new TypeError(`StorageSize must be at most ${MAX_INT64} bytes, got ${big}`);
  return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/** JSON cannot carry a bigint: past 2^53 a size is sent as a string of digits. */
export const serializeStorageSize = (value: number | bigint) =>
  typeof value === 'bigint' && value > BigInt(Number.MAX_SAFE_INTEGER) ? value.toString() : Number(value);

const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s"<>\\^`{|}]*$/;

/** An RFC 3986 URI with a scheme (`s3://bucket/key`, `https://…`, `datum://model-prod`). */
export function parseUri(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`Uri must be a string, got ${show(value)}`);
  if (value.length > 4096) throw new TypeError(`Uri must be at most 4096 characters, got ${value.length}`);
  if (!URI.test(value) || /%(?![0-9A-Fa-f]{2})/.test(value)) {
    throw new TypeError(`Uri must be an RFC 3986 URI with a scheme, such as s3://bucket/key, got ${show(value)}`);
  }
  return value;
}

const DTYPE = /^(?:bool|string|str|object|bytes|category|(?:u?int|float|complex)(?:8|16|32|64|128)?|bfloat16|float|int|(?:datetime64|timedelta64)(?:\[(?:Y|M|W|D|h|m|s|ms|us|ns|ps|fs|as)\])?|decimal(?:\(\d+,\s*\d+\))?|datetime|date|time|timestamp)$/;

/** A data type name as NumPy, pandas and Arrow spell them: int64, float32, string, bool, datetime64[ns]. */
export function parseDType(value: unknown): string {
  if (typeof value !== 'string' || !DTYPE.test(value)) {
    throw new TypeError(
      `DType must be a data type name such as int64, float32, string, bool or datetime64[ns], got ${show(value)}`,
    );
  }
  return value;
}

/** A POSIX path: no NUL, normalised (no `.`/`..` segments, no doubled slashes), never escaping upwards. */
export function parsePath(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`Path must be a non-empty string, got ${show(value)}`);
  if (value.includes('\0')) throw new TypeError('Path must not contain a NUL character');
  if (value.length > 4096) throw new TypeError(`Path must be at most 4096 characters, got ${value.length}`);
  const normal = posix.normalize(value);
  if (normal === '..' || normal.startsWith('../') || value.split('/').includes('..')) {
    throw new TypeError(`Path must not contain '..' segments, got ${show(value)}`);
  }
  const trimmed = normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
  if (trimmed !== value) {
    throw new TypeError(`Path must be normalised (no '.', no '//', no trailing '/'): write ${show(trimmed)}, got ${show(value)}`);
  }
  return value;
}

/** An ISO 8601 date-time with a zone, returned in canonical UTC form. */
export function parseDateTime(value: unknown): string {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    throw new TypeError(`DateTime must be an ISO 8601 date-time with a zone, such as 2024-05-01T12:00:00Z, got ${show(value)}`);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new TypeError(`DateTime is not a real date: ${show(value)}`);
  return date.toISOString();
}

const SHA256 = /^[0-9a-f]{64}$/;

/** A SHA-256 digest as 64 lower-case hex characters. */
export function parseSha256(value: unknown): string {
  if (typeof value !== 'string' || !SHA256.test(value.toLowerCase())) {
    throw new TypeError(`sha256 must be 64 hexadecimal characters, got ${show(value)}`);
  }
  return value.toLowerCase();
}

/**
 * How deep JSON input may nest. Metadata, parameters and predicates are a few levels deep;
 * a value nested 100,000 levels (a 600 KB variable) overflowed the stack of every recursive
 * walk after it (metadata rules, JSON.stringify, the driver), failing as an internal error.
 */
export const MAX_JSON_DEPTH = 100;

/** Checks nesting without recursion, so the check itself survives any depth JSON.parse accepts. */
export function checkJsonDepth(value: unknown): void {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) throw new TypeError(`JSON values may nest at most ${MAX_JSON_DEPTH} levels of objects and lists`);
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, depth + 1]);
  }
}

export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? value.slice(0, 77) + '...' : value);
  if (typeof value === 'bigint') return value.toString();
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
