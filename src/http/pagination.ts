/** Opaque keyset cursors and the RFC 8288 `Link` header for lists. */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { invalidField } from './errors.js'

/** A cursor is the sort key of the last item seen: its value and its id as the tie-breaker. */
export interface Cursor {
  key: string | number
  id: string
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.key, cursor.id])).toString('base64url')
}

export function decodeCursor(raw: string | undefined, keyType: 'string' | 'number'): Cursor | undefined {
  if (raw === undefined) return undefined
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'))
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === keyType &&
      typeof parsed[1] === 'string' &&
      (keyType === 'string' || Number.isSafeInteger(parsed[0]))
    ) {
      return { key: parsed[0], id: parsed[1] }
    }
  } catch {
    // fall through to the 400
  }
  throw invalidField('query/cursor', 'is not a cursor this API issued')
}

export interface PageResult<T> {
  data: T[]
  page: { limit: number; nextCursor: string | null; total: number }
}

/**
 * A page from rows fetched with `limit + 1`: the extra row only tells that there is a next page, whose cursor is
 * the sort key of the last row shown.
 */
export function pageOf<Row, Item>(
  rows: Row[],
  limit: number,
  total: number,
  cursorOf: (last: Row) => Cursor,
  data: (page: Row[]) => Item[],
): PageResult<Item> {
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return {
    data: data(page),
    page: { limit, nextCursor: rows.length > limit && last ? encodeCursor(cursorOf(last)) : null, total },
  }
}

/** A list that is not paged (a fact table's figures, the parties): everything in one page, in the same shape. */
export const wholePage = <T>(data: T[]): PageResult<T> => ({
  data,
  page: { limit: data.length, nextCursor: null, total: data.length },
})

/**
 * A path and query that `URL` would write back as they are (plain segments, `name=value` pairs of unreserved
 * characters) and that has no cursor yet: the next page's link only appends one.
 */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_-]+)+$/
const PLAIN_QUERY = /^[A-Za-z0-9_.-]+=[A-Za-z0-9_.-]*(?:&[A-Za-z0-9_.-]+=[A-Za-z0-9_.-]*)*$/

/** Sets `Link: <…>; rel="next"` when there is a next page, keeping every other query parameter. */
export function setNextLink(request: FastifyRequest, reply: FastifyReply, nextCursor: string | null) {
  if (nextCursor === null) return
  const at = request.url.indexOf('?')
  const path = at < 0 ? request.url : request.url.slice(0, at)
  const query = at < 0 ? '' : request.url.slice(at + 1)
  if (PLAIN_PATH.test(path) && (query === '' || (PLAIN_QUERY.test(query) && !/(^|&)cursor=/.test(query)))) {
    reply.header('link', `<${path}?${query === '' ? '' : `${query}&`}cursor=${nextCursor}>; rel="next"`)
    return
  }
  const url = new URL(request.url, 'http://placeholder')
  url.searchParams.set('cursor', nextCursor)
  reply.header('link', `<${url.pathname}${url.search}>; rel="next"`)
}
