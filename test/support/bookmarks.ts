/**
 * A bookmark the database will not reach for a long time, made from a real one the way an
 * altered header would be: Neo4j 5's `FB:` bookmarks are base64 PackStream, a list holding
 * the database's 16-byte id, then the transaction id, then a list. The transaction id is
 * replaced by 2^31 - 1. Throws when the format is not that one, so a new Neo4j version
 * shows here rather than as a test that cannot fail.
 */
export function bookmarkAhead(real: string): string {
  if (!real.startsWith('FB:')) throw new Error(`not a Neo4j 5 bookmark: ${real}`);
  const bytes = Buffer.from(real.slice(3), 'base64');
  // 0x91: a list of one; 0xCC 0x10: 16 bytes (the database id)
  if (bytes[0] !== 0x91 || bytes[1] !== 0xcc || bytes[2] !== 0x10) throw new Error(`unexpected bookmark layout: ${bytes.toString('hex')}`);
  const marker = bytes[19];
  const intLength = marker < 0x80 ? 1 : ({ 0xc8: 2, 0xc9: 3, 0xca: 5, 0xcb: 9 } as Record<number, number>)[marker];
  if (!intLength) throw new Error(`unexpected transaction id marker ${marker.toString(16)} in ${bytes.toString('hex')}`);
  const ahead = Buffer.concat([bytes.subarray(0, 19), Buffer.from([0xca, 0x7f, 0xff, 0xff, 0xff]), bytes.subarray(19 + intLength)]);
  return `FB:${ahead.toString('base64')}`;
}
