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
  license: {
    name: 'Proprietary: the newsroom’s API and content; ask the newsroom before republishing',
    identifier: 'LicenseRef-Newsdesk-Proprietary',
  },
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
  {
    name: 'partners',
    description:
      'Syndication: RSS, Atom and JSON Feed; IPTC ninjs; rights and embargoes; partner keys with tiers and usage.',
  },
  {
    name: 'search',
    description:
      'Full-text search with field weights, phrases, exclusions, prefixes, corrections, highlights and facets.',
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

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
const componentRef = (name: string) => `#/components/schemas/${name}`

/**
 * Shapes a code generator can name. Every schema with a `title` (each block type, images, author and topic
 * references, pages, problems) becomes one component, referred to wherever it appears; two different schemas with
 * one title are a bug and stop the build. Each discriminated union gets the mapping from its tag to its variants.
 * Operations without a token requirement say so (`security: []`), and `servers` is relative to where the document
 * is served.
 */
export function forCodeGenerators(document: OpenApiDocument): OpenApiDocument {
  const components = ((document.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>
  const seen = new Map(Object.entries(components).map(([name, schema]) => [name, JSON.stringify(schema)]))
  const hoist = (node: unknown, root = false): unknown => {
    if (Array.isArray(node)) return node.map((item) => hoist(item))
    if (!isObject(node)) return node
    const out: Json = {}
    for (const [key, value] of Object.entries(node))
      out[key] = key === 'example' || key === 'examples' ? value : hoist(value)
    if (root || typeof out.title !== 'string' || !('type' in out || 'oneOf' in out || 'anyOf' in out))
      return out
    const name = out.title
    const json = JSON.stringify(out)
    const known = seen.get(name)
    if (known !== undefined && known !== json)
      throw new Error(`Two different schemas are titled ${name}: give one of them another title.`)
    seen.set(name, json)
    components[name] = out
    return { $ref: componentRef(name) }
  }
  for (const [name, schema] of Object.entries(components)) components[name] = hoist(schema, true) as Json
  document.paths = hoist(document.paths) as OpenApiDocument['paths']
  const mapDiscriminators = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(mapDiscriminators)
    if (!isObject(node)) return
    const discriminator = node.discriminator as Json | undefined
    if (isObject(discriminator) && Array.isArray(node.oneOf)) {
      const tag = String(discriminator.propertyName)
      const mapping: Record<string, string> = {}
      for (const variant of node.oneOf as Json[]) {
        const target = String(variant.$ref ?? '')
        const name = decodeURIComponent(target.slice(componentRef('').length))
        const property = (components[name]?.properties as Json | undefined)?.[tag] as Json | undefined
        const value = property?.const ?? (property?.enum as unknown[] | undefined)?.[0]
        if (typeof value !== 'string')
          throw new Error(
            `A variant of a discriminated union is not a named schema: ${JSON.stringify(variant).slice(0, 300)}`,
          )
        mapping[value] = target
      }
      discriminator.mapping = mapping
    }
    for (const [key, value] of Object.entries(node)) if (key !== 'example') mapDiscriminators(value)
  }
  mapDiscriminators(document.components)
  mapDiscriminators(document.paths)
  for (const operations of Object.values(document.paths ?? {}))
    for (const operation of Object.values(operations)) operation.security ??= []
  document.components = { ...(document.components as Json), schemas: sortedKeys(components) }
  return { openapi: document.openapi, info: document.info, servers: [{ url: '/' }], ...document }
}

const sortedKeys = <T>(record: Record<string, T>) =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)))
