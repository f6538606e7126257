/** The parts of the OpenAPI document that are not route schemas: info, tags, security, examples. */
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const openapiFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../openapi')

/** Example request and response bodies per operationId, drawn from the demo data by `npm run openapi`. */
export interface OperationExample {
  status: number
  response?: unknown
  request?: unknown
}
export type Examples = Record<string, OperationExample>

export function loadExamples(): Examples {
  try {
    return JSON.parse(readFileSync(resolve(openapiFolder, 'examples.json'), 'utf8')) as Examples
  } catch {
    return {}
  }
}

export const info = {
  title: 'Newsdesk API',
  version: '1.0.0',
  description: `Headless content API of an independent newsroom covering conflict and politics: articles, topics (story hubs), authors, curated collections and related articles, for frontend teams, mobile apps, partners and editors.

**Conventions.** JSON in UTF-8 with camelCase fields; timestamps are ISO-8601 UTC. Ids are opaque UUIDv7 strings; slugs are lowercase kebab-case. \`{article}\` in a path is an id or current slug; a former slug answers \`301\` with the current URL. One resource is the object itself; lists are \`{ data, page: { limit, nextCursor, total } }\` with an RFC 8288 \`Link: <…>; rel="next"\` header while there is a next page. Pagination is keyset-based (\`cursor\`, \`limit\` 1-100, default 20): items published while you page cause neither duplicates nor gaps.

**Errors** are RFC 9457 \`application/problem+json\` with \`errors: [{ path, message }]\` for invalid input. Unknown query parameters and body properties are rejected, never ignored. A 5xx never reveals its cause; quote the \`x-request-id\` response header when reporting one.

**Visibility.** The public sees an article only once it is published and its \`publishedAt\` has passed: drafts and scheduled articles answer 404 everywhere (lists, detail, related, collections, topic counts). Requests with a \`content:write\` token see them too, marked with \`status\`.

**Writes** need \`Authorization: Bearer <token>\`; tokens carry scopes \`content:write\`, \`facts:write\`, \`metrics:read\` or \`admin\` (all). Updates honour \`If-Match\` with the ETag of the last read with that token and answer 412 when stale. Bodies are limited to 1 MiB by default (413) and must be \`application/json\` (415 otherwise).

**Caching.** Public reads (no token) carry a strong \`ETag\` (a hash of the bytes; \`If-None-Match\` answers \`304\`), \`Cache-Control: public, max-age=60, s-maxage=300, stale-while-revalidate=300, stale-if-error=86400\` by default, \`Vary: Authorization, Accept-Encoding\`, and \`Surrogate-Key\` / \`Cache-Tag\` naming the resources in the response (\`article:<id>\`, \`topic:<id>\`, \`articles\`, …), which writes purge exactly. gzip and brotli are served to clients that accept them. Reads with a token are \`private, no-store\`.

**Date-times** in requests must be RFC 3339 and name a real instant: \`23:59:60\` or 30 February are a 400.

**Lean payloads.** \`fields=\` on article lists and detail answers only the named top-level fields; \`body=\` only the named body formats.`,
}

export const tags = [
  { name: 'articles', description: 'News, opinion, analysis, podcasts and live pages.' },
  { name: 'topics', description: 'Story hubs such as "2022 Azerbaijani Attack on Armenia".' },
  { name: 'authors', description: 'People and desks in bylines.' },
  { name: 'collections', description: 'Curated, ordered lists such as `editors-picks`.' },
  {
    name: 'fact tables',
    description:
      'Sourced, time-varying, disputed figures: every figure is one claim by one source, with its wording, qualifier and provenance. Newer claims supersede older ones in their series; corrections deprecate; nothing is deleted.',
  },
  {
    name: 'popularity',
    description: 'View beacons, Most Popular over 1, 7 and 30 days, trending, and editors’ statistics.',
  },
  { name: 'operations', description: 'Liveness, readiness and metrics for orchestrators and monitoring.' },
]

type OpenApiDocument = { paths?: Record<string, Record<string, Record<string, unknown>>> } & Record<
  string,
  unknown
>

/** Puts each example into the operation it belongs to: the response's media type and, for writes, the request's. */
export function withExamples(document: OpenApiDocument, examples: Examples): OpenApiDocument {
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      const example = examples[String(operation.operationId)]
      if (!example) continue
      const responses = operation.responses as Record<
        string,
        { content?: Record<string, { example?: unknown }> }
      >
      const content = responses[String(example.status)]?.content ?? {}
      const media = content['application/json'] ?? Object.values(content)[0]
      if (media && example.response !== undefined) media.example = example.response
      const requestMedia = (
        operation.requestBody as { content?: Record<string, { example?: unknown }> } | undefined
      )?.content?.['application/json']
      if (requestMedia && example.request !== undefined) requestMedia.example = example.request
    }
  }
  return document
}
