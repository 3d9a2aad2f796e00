/**
 * The transaction's clock, truncated to milliseconds: every timestamp written by one
 * transaction is equal, and survives the round trip through JavaScript dates exactly,
 * which keyset cursors on (createdAt, id) depend on.
 */
export const NOW = "datetime.truncate('millisecond', datetime.transaction())";
