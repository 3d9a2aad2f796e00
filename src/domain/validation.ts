import { parseSha256, parseStorageSize } from '../scalars/validators.js';
import { badInput, limitExceeded } from './errors.js';

/** Free text fields (names, descriptions, hosts): bounded length, no control characters. */
export function checkText(field: string, value: string, max = 1024): string {
  if (value.length === 0) throw badInput(`${field} must not be empty`, { field });
  if (value.length > max) throw badInput(`${field} must be at most ${max} characters, got ${value.length}`, { field });
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(value)) {
    throw badInput(`${field} must not contain control characters`, { field });
  }
  return value;
}

export function optionalText(field: string, value: string | null | undefined, max = 1024): string | null {
  return value === null || value === undefined ? null : checkText(field, value, max);
}

/** Runs a shared value validator and reports its message against the input field. */
export function checked<T>(field: string, parse: (v: unknown) => T, value: unknown): T {
  try {
    return parse(value);
  } catch (error) {
    throw badInput(`${field}: ${(error as Error).message}`, { field });
  }
}

export const checkSha256 = (field: string, value: unknown) => checked(field, parseSha256, value);
export const checkSize = (field: string, value: unknown) => checked(field, parseStorageSize, value);

/** Batch arguments have a maximum length so one request cannot hold the database for long. */
export const MAX_BATCH = 10_000;

export function checkBatch<T>(field: string, items: T[], min = 1): T[] {
  if (items.length < min) throw badInput(`${field} must list at least ${min} item(s)`, { field });
  if (items.length > MAX_BATCH) {
    throw limitExceeded(`${field} may list at most ${MAX_BATCH} items per request, got ${items.length}; send several requests`, { field, max: MAX_BATCH });
  }
  return items;
}

/** Tag names: trimmed, 1-128 characters each, each once. */
export function checkTags(tags: string[], field = 'tags'): string[] {
  checkBatch(field, tags, 0);
  return [...new Set(tags.map((t, i) => checkText(`${field}.${i}`, t.trim(), 128)))];
}
