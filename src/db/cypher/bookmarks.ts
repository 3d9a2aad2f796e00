/**
 * Reads nothing: in a session that starts from a client's bookmarks, it is answered once the
 * database serving it has reached them, which is all the wait for them needs. (It is a Query
 * by shape; naming the type would make the executor, which sends it, and this file import
 * each other.)
 */
export const bookmarksReachedQuery = () => ({ cypher: 'RETURN true AS reached', global: 'reads nothing; it waits for a state of the database' });
