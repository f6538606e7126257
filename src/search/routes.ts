/**
 * `GET /v1/search` and `GET /v1/search/suggest`: full-text search over the articles the reader may see, with the
 * article list's filters, relevance (field weights and recency) or date order, highlighted snippets, facet counts
 * and "did you mean" for a misspelt word. The engines' parts are in src/db/search.ts.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { asc, sql } from 'drizzle-orm'
import { type Static, Type } from 'typebox'
import { ArticleListQuery, ArticleSummary } from '../articles/schemas.js'
import { filters, headlinesOf, summarise, summaryRowsOf } from '../articles/store.js'
import { type Db, preparedOnce, readTarget, statement } from '../db/client.js'
import { topics } from '../db/schema.js'
import {
  MARK_END,
  MARK_START,
  SEARCH_FIELDS,
  type SearchField,
  searchArticles,
  searchFacets,
  searchSnippets,
  termsNear,
} from '../db/search.js'
import { assertScope, isEditor } from '../http/auth.js'
import { publicRead } from '../http/cache.js'
import type { FeatureOptions } from '../http/context.js'
import { invalidField } from '../http/errors.js'
import { decodeCursor, encodeCursor } from '../http/pagination.js'
import { Nullable, PageInfo, problems, ref, StringEnum } from '../http/schemas.js'
import { siteUrlOf } from '../http/site.js'
import { closest, formatQuery, type ParsedQuery, parseQuery, QueryError, wordsOf } from './query.js'

const tags = ['search']
/** Results move with every publication and edit; shared caches keep them briefly (purged on publication too). */
const LIFETIME = 'public, max-age=10, s-maxage=30'
/** Deep pages cost as much as all the pages before them: relevance order stops here. */
const MAX_OFFSET = 10_000

const Q = Type.String({
  minLength: 1,
  maxLength: 500,
  description:
    'Words (all must match), `"exact phrases"`, `-excluded`, `OR` between two terms; the last word matches as a prefix unless the query ends in a space. Anything else is read as plain words.',
})

const { sort: _sort, status: _status, fields: _fields, ...listFilters } = ArticleListQuery.properties

/** How many of the newest headline matches suggestions are ranked from. */
const SUGGEST_WINDOW = 100
export const SearchQuery = Type.Object(
  {
    q: Q,
    ...listFilters,
    sort: Type.Optional(
      StringEnum(['relevance', 'newest', 'oldest'] as const, {
        default: 'relevance',
        description: 'Relevance (field weights, newer articles weighed up unless `recency=false`), or date.',
      }),
    ),
    recency: Type.Optional(
      Type.Boolean({ default: true, description: 'In relevance order, weigh newer articles up.' }),
    ),
    facets: Type.Optional(
      Type.String({
        pattern: '^(topic|type|year)(,(topic|type|year))*$',
        description: 'Counts over the whole result set, comma-separated: `topic`, `type`, `year`.',
      }),
    ),
    drafts: Type.Optional(
      Type.Boolean({ description: 'Editors (`content:write`): drafts and scheduled articles too.' }),
    ),
  },
  { additionalProperties: false },
)
type SearchQuery = Static<typeof SearchQuery>

const Highlights = Type.Object(
  Object.fromEntries(SEARCH_FIELDS.map((f) => [f, Type.Optional(Type.String())])) as Record<
    SearchField,
    ReturnType<typeof Type.Optional<ReturnType<typeof Type.String>>>
  >,
  {
    additionalProperties: false,
    title: 'SearchHighlights',
    description:
      'For each field that matched, a snippet: HTML-escaped text with `<mark>` around the matched words, safe to insert as HTML.',
  },
)

const Facet = Type.Array(
  Type.Object(
    { value: Type.String(), label: Type.String(), count: Type.Integer() },
    { additionalProperties: false, title: 'FacetCount' },
  ),
)

const SearchResults = Type.Object(
  {
    query: Type.String({ description: 'The query as understood: words, "phrases", -exclusions, OR.' }),
    didYouMean: Nullable(
      Type.String({
        description:
          'When nothing matched as typed and a correction did: the corrected query, whose results these are.',
      }),
    ),
    data: Type.Array(
      Type.Object(
        {
          score: Type.Number({
            description: 'Relevance (with recency unless turned off); higher is better.',
          }),
          highlights: Highlights,
          article: ref(ArticleSummary),
        },
        { additionalProperties: false, title: 'SearchResult' },
      ),
    ),
    facets: Type.Optional(
      Type.Object(
        { topic: Type.Optional(Facet), type: Type.Optional(Facet), year: Type.Optional(Facet) },
        { additionalProperties: false, title: 'SearchFacets' },
      ),
    ),
    page: PageInfo,
  },
  { additionalProperties: false, title: 'SearchResults' },
)

const Suggestion = Type.Object(
  {
    kind: StringEnum(['article', 'topic'] as const),
    text: Type.String({ description: 'The headline or the topic title.' }),
    slug: Type.String(),
    links: Type.Object({ self: Type.String(), canonical: Type.String() }, { additionalProperties: false }),
  },
  { additionalProperties: false, title: 'Suggestion' },
)

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** A snippet with the engine's markers as `<mark>`, everything else escaped: it can never inject markup. */
export function markSnippet(snippet: string): string {
  // Text between a start and an end marker is marked; a marker without its pair is dropped.
  return snippet
    .split(MARK_START)
    .map((piece, i) => {
      if (i === 0) return escapeHtml(piece.replaceAll(MARK_END, ''))
      const end = piece.indexOf(MARK_END)
      if (end < 0) return escapeHtml(piece)
      const rest = piece.slice(end + 1).replaceAll(MARK_END, '')
      return `<mark>${escapeHtml(piece.slice(0, end))}</mark>${escapeHtml(rest)}`
    })
    .join('')
}

/** A search box's reads besides the search itself, prepared once per connection: it asks on every keystroke. */
const suggestStatements = preparedOnce((db: Db) => ({
  topics: statement(
    db,
    db
      .select({ id: topics.id, slug: topics.slug, title: topics.title })
      .from(topics)
      .where(sql`lower(${topics.title}) like ${sql.placeholder('needle')}`)
      .orderBy(asc(topics.title))
      .limit(sql.placeholder('limit') as unknown as number),
    'suggest_topics',
  ),
}))

export const searchRoutes: FastifyPluginAsyncTypebox<FeatureOptions> = async (app, { db, config, clock }) => {
  const parse = (q: string, prefix = true) => {
    try {
      return parseQuery(q, { prefix })
    } catch (error) {
      if (error instanceof QueryError) throw invalidField('query/q', error.message)
      throw error
    }
  }

  app.get(
    '/v1/search',
    {
      schema: {
        tags,
        operationId: 'searchArticles',
        summary: 'Search articles by their words',
        description:
          "Over headline, standfirst, body, topic titles, tags and author names, weighted in that spirit (a match in the headline outranks one in the body). Case and accents are ignored and English words are stemmed (`clash` finds `clashes`). When nothing matches as typed, a misspelt word is corrected (`didYouMean`). Combines with every filter of `GET /v1/articles`; pages with `cursor`. Published articles only, unless an editor asks for `drafts`. Relevance order over a query matching more articles than the server's ranking window (500 by default) ranks the newest-indexed of them, and its pages end there; `page.total` counts every match, and `sort=newest` pages through all of them.",
        querystring: SearchQuery,
        response: { 200: SearchResults, ...problems(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const query = request.query as SearchQuery
      if (query.drafts) assertScope(request, 'content:write')
      const keys = publicRead(request, reply, { cacheControl: LIFETIME })
      keys?.add('articles')
      const now = clock()
      const editor = isEditor(request)
      const viewer = { editor, now, site: config.site, keys }
      // The list's filters but visibility, which the index decides itself.
      const where = filters(db, { ...query, sort: undefined, status: 'all' }, viewer)
      const scope = { visibleOnly: !query.drafts, where, now }
      const limit = query.limit ?? 20
      const cursor = decodeCursor(query.cursor, 'number')
      const offset = Number(cursor?.key ?? 0)
      if (cursor && (cursor.id !== 'search' || offset < 0 || offset > MAX_OFFSET))
        throw invalidField('query/cursor', 'is not a cursor this API issued')
      const run = (parsed: ParsedQuery) =>
        searchArticles(db, parsed, {
          ...scope,
          sort: query.sort ?? 'relevance',
          recency: query.recency ?? true,
          now,
          limit,
          offset,
          rankWindow: config.searchRankWindow,
        })
      let parsed = parse(query.q)
      let result = await run(parsed)
      let didYouMean: string | null = null
      if (result.total === 0 && offset === 0) {
        const corrected = await correct(parsed)
        if (corrected) {
          const again = await run(corrected)
          if (again.total > 0) {
            parsed = corrected
            result = again
            didYouMean = formatQuery(corrected)
          }
        }
      }
      const ids = result.hits.map((h) => h.id)
      const [rows, snippets, facets] = await Promise.all([
        summaryRowsOf(db, ids),
        searchSnippets(db, parsed, ids),
        query.facets
          ? searchFacets(db, parsed, scope, query.facets.split(',') as ('topic' | 'type' | 'year')[])
          : undefined,
      ])
      const byId = new Map(rows.map((r) => [r.id, r]))
      const ordered = ids.flatMap((id) => byId.get(id) ?? [])
      const summaries = await summarise(db, ordered, viewer)
      const scores = new Map(result.hits.map((h) => [h.id, h.score]))
      const data = summaries.map((article) => {
        const fields = snippets.get(article.id)
        const highlights: Partial<Record<SearchField, string>> = {}
        for (const field of SEARCH_FIELDS) {
          const snippet = fields?.[field]
          if (snippet?.includes(MARK_START)) highlights[field] = markSnippet(snippet)
        }
        return { score: scores.get(article.id) ?? 0, highlights, article }
      })
      const next = offset + limit
      return {
        query: formatQuery(parsed),
        didYouMean,
        data,
        ...(facets ? { facets } : {}),
        page: {
          limit,
          nextCursor:
            next < result.rankedUpTo && next <= MAX_OFFSET ? encodeCursor({ key: next, id: 'search' }) : null,
          total: result.total,
        },
      }
    },
  )

  /** Each misspelt word (not in the vocabulary, nothing matched) replaced by the closest known word, or null. */
  const correct = async (parsed: ParsedQuery): Promise<ParsedQuery | null> => {
    let changed = false
    const fix = async (word: string) => {
      if (word.length < 3 || /^\p{N}+$/u.test(word)) return word
      const better = closest(word, await termsNear(db, word))
      if (better === null) return word
      changed = true
      return better
    }
    const terms = await Promise.all(
      parsed.terms.map(async (t) =>
        t.excluded ? t : { ...t, term: { ...t.term, words: await Promise.all(t.term.words.map(fix)) } },
      ),
    )
    if (!changed) return null
    const groups: ParsedQuery['groups'] = []
    for (const t of terms) {
      if (t.excluded) continue
      const previous = groups.at(-1)
      if (t.or && previous) previous.push(t.term)
      else groups.push([t.term])
    }
    return { groups, excluded: terms.filter((t) => t.excluded).map((t) => t.term), terms }
  }

  app.get(
    '/v1/search/suggest',
    {
      schema: {
        tags,
        operationId: 'suggestSearch',
        summary: 'Headlines and topics for what is typed so far',
        description:
          'For a search box, on every keystroke: published headlines whose words start with what was typed (the last word as a prefix), then topics whose title contains it.',
        querystring: Type.Object(
          {
            q: Type.String({ minLength: 1, maxLength: 100, description: 'What has been typed.' }),
            limit: Type.Optional(
              Type.Integer({ minimum: 1, maximum: 10, default: 5, description: 'How many of each, 1-10.' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            { data: Type.Array(Suggestion), page: PageInfo },
            { additionalProperties: false, title: 'Suggestions' },
          ),
          ...problems(400, 401, 429),
        },
      },
    },
    async (request, reply) => {
      const keys = publicRead(request, reply, { cacheControl: LIFETIME })
      keys?.add('articles')
      keys?.add('topics')
      const limit = request.query.limit ?? 5
      const now = clock()
      const parsed = parse(request.query.q)
      const { hits } = await searchArticles(
        db,
        { ...parsed, headlineOnly: true },
        {
          visibleOnly: true,
          where: [],
          sort: 'relevance',
          recency: true,
          now,
          limit,
          offset: 0,
          count: false,
          // A handful of headlines for a search box: the newest hundred matches are plenty to choose them from.
          rankWindow: Math.min(config.searchRankWindow, SUGGEST_WINDOW),
        },
      )
      const statements = suggestStatements(readTarget(db))
      const headlines = await headlinesOf(
        db,
        hits.map((h) => h.id),
      )
      const byId = new Map(headlines.map((h) => [h.id, h]))
      const needle = `%${wordsOf(request.query.q).join(' ')}%` // letters and digits only: no LIKE wildcard
      const topicRows = await statements.topics.all({ needle, limit })
      const data = [
        ...hits.flatMap((h) => {
          const a = byId.get(h.id)
          return a
            ? [
                {
                  kind: 'article' as const,
                  text: a.headline,
                  slug: a.slug,
                  links: { self: `/v1/articles/${a.slug}`, canonical: siteUrlOf(config.site, 'article', a) },
                },
              ]
            : []
        }),
        ...topicRows.map((t) => ({
          kind: 'topic' as const,
          text: t.title,
          slug: t.slug,
          links: { self: `/v1/topics/${t.slug}`, canonical: siteUrlOf(config.site, 'topic', t) },
        })),
      ]
      return { data, page: { limit, nextCursor: null, total: data.length } }
    },
  )
}
