import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import { BOOKMARK_HEADER, parseBookmarks, RequestBookmarks } from '../domain/bookmarks.js';
import type { PedigreeError } from '../domain/errors.js';
import type { RequestContext } from '../context.js';

/**
 * Reads the request's Pedigree-Bookmark into `res.locals.bookmarks` for its context; a
 * header no answer could have carried is refused here, 400 before anything runs.
 */
export const bookmarksIn: RequestHandler = (req, res, next) => {
  try {
    res.locals.bookmarks = new RequestBookmarks(parseBookmarks(req.headers[BOOKMARK_HEADER.toLowerCase()]));
  } catch (error) {
    const { message, extensions } = error as PedigreeError;
    return void res.status(400).json({ errors: [{ message, extensions }] });
  }
  next();
};

/** The bookmarks of the request in `res.locals`, for its context. */
export const bookmarksOf = (locals: Record<string, unknown>): RequestBookmarks => locals.bookmarks as RequestBookmarks;

/**
 * An answer to a request that wrote carries the state its writes reached, as the
 * Pedigree-Bookmark header and as `extensions.bookmark`, even when some of it failed: what
 * committed is there to be read.
 */
export const bookmarksOut: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response }) {
        const bookmark = contextValue?.bookmarks?.header;
        if (!bookmark) return;
        response.http.headers.set(BOOKMARK_HEADER.toLowerCase(), bookmark);
        if (response.body.kind === 'single') response.body.singleResult.extensions = { ...response.body.singleResult.extensions, bookmark };
      },
    };
  },
};
