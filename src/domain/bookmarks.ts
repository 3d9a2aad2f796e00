import { badInput } from './errors.js';

/**
 * Read-your-writes across replicas: an answer to a request that wrote carries the state its
 * writes reached in this header (and in `extensions.bookmark`); a client sends it back, and
 * every session of its next request starts from that state, on whichever replica and reader
 * serves it. The value is Neo4j's bookmarks, comma-separated: opaque to clients.
 */
export const BOOKMARK_HEADER = 'Pedigree-Bookmark';

/** Neo4j's bookmarks are short printable text without commas (`FB:` and base64 on 5.x); the bounds keep a header from making every session carry megabytes. */
const BOOKMARK = /^[\x21-\x2b\x2d-\x7e]{1,1024}$/;
const MAX_BOOKMARKS = 16;

/** The bookmarks in a Pedigree-Bookmark header (absent: none); BAD_USER_INPUT for anything no API answer holds. */
export function parseBookmarks(header: string | string[] | undefined): string[] {
  const raw = Array.isArray(header) ? header.join(',') : (header ?? '');
  const bookmarks = raw.split(',').map((b) => b.trim()).filter(Boolean);
  const bad = bookmarks.find((b) => !BOOKMARK.test(b));
  if (bad !== undefined || bookmarks.length > MAX_BOOKMARKS) {
    const shown = bad ?? raw;
    throw badInput(
      `${BOOKMARK_HEADER} must hold bookmarks an answer of this API carried (up to ${MAX_BOOKMARKS}, comma-separated, each up to 1024 printable characters), got '${shown.slice(0, 80)}${shown.length > 80 ? '…' : ''}'; send back the header of an earlier answer unchanged, or none`,
      { field: BOOKMARK_HEADER },
    );
  }
  return [...new Set(bookmarks)];
}

/** Why a bookmark was refused once the database had its say (unknown to it, or never reached in time). */
export const bookmarkRefused = (why: string) =>
  badInput(`${BOOKMARK_HEADER} ${why}; send back only the header of an earlier answer of this API, or none`, { field: BOOKMARK_HEADER });

/**
 * The causal state of one request, or of one subscription: `after` is what the client has
 * seen (the bookmarks it sent), which every session of the request starts from; `header` is
 * what the request's own writes reached, which its answer hands back.
 */
export class RequestBookmarks {
  private written: readonly string[] = [];
  private reached: Promise<void> | undefined;

  constructor(readonly after: readonly string[] = []) {}

  /**
   * Runs `wait` (the wait until the database has reached `after`) for the first session of
   * the request only; the others await the same answer, a refusal included.
   */
  reach(wait: () => Promise<void>): Promise<void> {
    return (this.reached ??= wait());
  }

  /**
   * Called as a write begins; the function it returns takes the write's bookmarks once it
   * has committed. A write began after the ones recorded before it had committed, and its
   * session started from the process's bookmarks, which follow theirs, so its bookmarks
   * supersede theirs; writes that overlapped it are kept beside it.
   */
  writing(): (bookmarks: readonly string[]) => void {
    const before = this.written;
    return (bookmarks) => {
      this.written = [...new Set([...this.written.filter((b) => !before.includes(b)), ...bookmarks])];
    };
  }

  /** The Pedigree-Bookmark of the answer: null when the request wrote nothing. */
  get header(): string | null {
    return this.written.length ? this.written.join(', ') : null;
  }
}
