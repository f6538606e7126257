/**
 * What partners read: articles as IPTC ninjs 3.1 and as RSS 2.0, Atom 1.0 and JSON Feed 1.1, with each article's
 * rights applied. Partners see an article only once it is published and its embargo (if any) has passed; they get
 * its body only when it may be syndicated to them (all partners, or they are named); otherwise the headline and
 * excerpt, marked `withheld` in ninjs. A published article taken back is `canceled` in ninjs and leaves the feeds.
 * The website's own reads are unaffected.
 */
import type { Article } from '../articles/schemas.js'
import type { ArticleRow } from '../articles/store.js'
import { CONTENT_WARNING_MEANINGS } from '../db/enums.js'
import type { Site } from '../http/site.js'
import { siteUrlOf } from '../http/site.js'

/** Who is reading: a partner key's partner name, or null (anonymous readers, other tokens). */
export type PartnerName = string | null

export const visibleToPartners = (
  row: Pick<ArticleRow, 'status' | 'publishedAt' | 'embargoUntil'>,
  now: number,
) =>
  row.status === 'published' &&
  row.publishedAt !== null &&
  row.publishedAt <= now &&
  (row.embargoUntil === null || row.embargoUntil <= now)

export const mayRepublish = (
  row: Pick<ArticleRow, 'syndication' | 'syndicationPartners'>,
  partner: PartnerName,
) =>
  row.syndication === 'all' ||
  (row.syndication === 'named' && partner !== null && row.syndicationPartners.includes(partner))

const iso = (ms: number) => new Date(ms).toISOString()

export const NINJS_MEDIA_TYPE = 'application/ninjs+json'
export const NINJS_SCHEMA = 'http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#'

/** The stable identifier partners key their copies on; it never changes with the slug. */
export const articleUri = (id: string) => `urn:uuid:${id}`

type Json = Record<string, unknown>

const imageType = (url: string) => {
  const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase()
  return ext === 'png'
    ? 'image/png'
    : ext === 'webp'
      ? 'image/webp'
      : ext === 'gif'
        ? 'image/gif'
        : 'image/jpeg'
}

/** An article as a ninjs 3.1 document. */
export function toNinjs(article: Article, row: ArticleRow, full: boolean, site: Site): Json {
  const headlines: Json[] = [{ role: 'main', contentType: 'text/plain', value: article.headline }]
  if (article.kicker) headlines.push({ role: 'kicker', contentType: 'text/plain', value: article.kicker })
  const descriptions: Json[] = [{ role: 'summary', contentType: 'text/plain', value: article.excerpt }]
  if (article.contentWarning)
    descriptions.push({
      role: 'content-warning',
      contentType: 'text/plain',
      value:
        article.contentWarningText ?? `Content warning: ${CONTENT_WARNING_MEANINGS[article.contentWarning]}.`,
    })
  const doc: Json = {
    uri: articleUri(row.id),
    standard: { name: 'ninjs', version: '3.1', schema: NINJS_SCHEMA },
    type: 'text',
    representationType: full ? 'full' : 'partial',
    profile: 'newsdesk-article',
    version: String(row.version),
    firstCreated: iso(row.createdAt),
    versionCreated: iso(row.updatedAt),
    ...(row.publishedAt === null ? {} : { contentCreated: iso(row.publishedAt) }),
    ...(row.embargoUntil === null ? {} : { embargoedUntil: iso(row.embargoUntil) }),
    pubStatus: full ? 'usable' : 'withheld',
    ...(row.rightsStatement ? { copyrightNotice: row.rightsStatement } : {}),
    ...(row.usageTerms
      ? { usageTerms: row.usageTerms }
      : full
        ? {}
        : { usageTerms: 'Not for syndication: headline and summary only.' }),
    language: article.language,
    headlines,
    descriptions,
    ...(full
      ? {
          bodies: [
            {
              role: 'main',
              contentType: 'text/html',
              value: article.body.html,
              wordCount: article.wordCount,
            },
            {
              role: 'main',
              contentType: 'text/plain',
              value: article.body.text,
              charCount: article.body.text.length,
            },
          ],
        }
      : {}),
    by: article.authors.map((a) => a.name).join(', '),
    people: article.authors.map((a) => ({
      name: a.name,
      rel: 'author',
      uri: siteUrlOf(site, 'author', a),
      literal: a.slug,
    })),
    subjects: [
      ...article.topics.map((t) => ({
        name: t.title,
        rel: t.id === article.primaryTopic?.id ? 'primary-topic' : 'topic',
        uri: siteUrlOf(site, 'topic', t),
        literal: t.slug,
      })),
      ...article.tags.map((tag) => ({ name: tag, rel: 'tag', literal: tag })),
    ],
    genres: [{ name: article.type, literal: article.type }],
    altIds: [
      { role: 'slug', value: article.slug },
      { role: 'canonical', value: article.links.canonical },
    ],
  }
  const hero = article.heroImage
  if (hero) {
    doc.associations = [
      {
        name: 'hero',
        rel: 'hero-image',
        uri: hero.url,
        type: 'picture',
        ...(hero.caption
          ? { descriptions: [{ role: 'caption', contentType: 'text/plain', value: hero.caption }] }
          : {}),
        ...(hero.credit ? { by: hero.credit } : {}),
        headlines: [{ role: 'alt', contentType: 'text/plain', value: hero.alt }],
        renditions: hero.renditions.map((r) => ({
          name: r.width === hero.width ? 'original' : `w${r.width}`,
          href: r.url,
          contentType: imageType(hero.url),
          width: r.width,
          ...(hero.width && hero.height ? { height: Math.round((hero.height * r.width) / hero.width) } : {}),
        })),
      },
    ]
  }
  return doc
}

/** What partners learn of an article that was published and taken back: that it is canceled. */
export const canceledNinjs = (row: ArticleRow): Json => ({
  uri: articleUri(row.id),
  standard: { name: 'ninjs', version: '3.1', schema: NINJS_SCHEMA },
  type: 'text',
  representationType: 'partial',
  version: String(row.version),
  firstCreated: iso(row.createdAt),
  versionCreated: iso(row.withdrawnAt ?? row.updatedAt),
  pubStatus: 'canceled',
  language: row.language,
})

/* ---- Feeds ---- */

export const FEED_FORMATS = ['rss', 'atom', 'json'] as const
export type FeedFormat = (typeof FEED_FORMATS)[number]

export const FEED_MEDIA_TYPES: Record<FeedFormat, string> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
}

export interface FeedItem {
  article: Article
  full: boolean
}

export interface FeedMeta {
  title: string
  description: string
  /** The website page the feed follows (home, topic or author page). */
  homeUrl: string
  /** The feed's own URL, absolute. */
  selfUrl: string
  /** A stable id for Atom. */
  id: string
  language: string
  /** When the feed last changed: the newest item's update, or now for an empty feed. */
  updated: number
}

/** Control characters but tab, newline and carriage return, and the two non-characters: not allowed in XML 1.0. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters XML 1.0 forbids
const FORBIDDEN_IN_XML = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g

const xml = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // Characters XML 1.0 forbids never reach a feed reader's parser.
    .replace(FORBIDDEN_IN_XML, '')

const rfc822 = (iso: string) => new Date(iso).toUTCString()

const audioOf = (article: Article) => {
  const block = article.body.blocks.find((b) => b.type === 'audio')
  return block?.type === 'audio' ? block : undefined
}

/** The HTML a feed item carries: the warning first, then the body; or the excerpt when it may not be republished. */
function contentHtml(item: FeedItem): string {
  const { article } = item
  const warning = article.contentWarningText
    ? `<p class="content-warning"><strong>${xml(article.contentWarningText)}</strong></p>\n`
    : ''
  return item.full ? warning + article.body.html : `${warning}<p>${xml(article.excerpt)}</p>`
}

const categories = (article: Article) => [
  ...article.topics.map((t) => t.title),
  ...article.tags,
  ...(article.contentWarning ? [`content-warning:${article.contentWarning}`] : []),
]

export function renderFeed(format: FeedFormat, meta: FeedMeta, items: FeedItem[]): string {
  if (format === 'json') return jsonFeed(meta, items)
  return format === 'rss' ? rss(meta, items) : atom(meta, items)
}

function rss(meta: FeedMeta, items: FeedItem[]): string {
  const entries = items.map((item) => {
    const a = item.article
    const audio = audioOf(a)
    const hero = a.heroImage
    return [
      '<item>',
      `<title>${xml(a.kicker ? `${a.kicker}: ${a.headline}` : a.headline)}</title>`,
      `<link>${xml(a.links.canonical)}</link>`,
      `<guid isPermaLink="false">${articleUri(a.id)}</guid>`,
      `<pubDate>${rfc822(a.publishedAt as string)}</pubDate>`,
      `<atom:updated>${a.updatedAt}</atom:updated>`,
      ...a.authors.map((au) => `<dc:creator>${xml(au.name)}</dc:creator>`),
      ...categories(a).map((c) => `<category>${xml(c)}</category>`),
      `<description>${xml(a.excerpt)}</description>`,
      `<content:encoded>${xml(contentHtml(item))}</content:encoded>`,
      audio?.sizeBytes
        ? `<enclosure url="${xml(audio.url)}" length="${audio.sizeBytes}" type="${xml(audio.mediaType ?? 'audio/mpeg')}"/>`
        : '',
      hero
        ? `<media:content url="${xml(hero.url)}" medium="image"${hero.width ? ` width="${hero.width}" height="${hero.height}"` : ''}>${hero.caption ? `<media:description>${xml(hero.caption)}</media:description>` : ''}${hero.credit ? `<media:credit>${xml(hero.credit)}</media:credit>` : ''}</media:content>`
        : '',
      '</item>',
    ]
      .filter(Boolean)
      .join('\n')
  })
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">
<channel>
<title>${xml(meta.title)}</title>
<link>${xml(meta.homeUrl)}</link>
<description>${xml(meta.description)}</description>
<language>${xml(meta.language)}</language>
<lastBuildDate>${new Date(meta.updated).toUTCString()}</lastBuildDate>
<atom:link href="${xml(meta.selfUrl)}" rel="self" type="application/rss+xml"/>
${entries.join('\n')}
</channel>
</rss>
`
}

function atom(meta: FeedMeta, items: FeedItem[]): string {
  const entries = items.map((item) => {
    const a = item.article
    const audio = audioOf(a)
    return [
      '<entry>',
      `<id>${articleUri(a.id)}</id>`,
      `<title type="text">${xml(a.kicker ? `${a.kicker}: ${a.headline}` : a.headline)}</title>`,
      `<link rel="alternate" type="text/html" href="${xml(a.links.canonical)}"/>`,
      `<published>${a.publishedAt}</published>`,
      `<updated>${a.updatedAt}</updated>`,
      ...a.authors.map((au) => `<author><name>${xml(au.name)}</name></author>`),
      ...a.topics.map((t) => `<category term="${xml(t.slug)}" label="${xml(t.title)}"/>`),
      ...a.tags.map((tag) => `<category term="${xml(tag)}"/>`),
      a.contentWarning
        ? `<category scheme="urn:newsdesk:content-warning" term="${a.contentWarning}" label="${xml(a.contentWarningText ?? a.contentWarning)}"/>`
        : '',
      `<summary type="text">${xml(a.excerpt)}</summary>`,
      `<content type="html">${xml(contentHtml(item))}</content>`,
      audio?.sizeBytes
        ? `<link rel="enclosure" href="${xml(audio.url)}" length="${audio.sizeBytes}" type="${xml(audio.mediaType ?? 'audio/mpeg')}"/>`
        : '',
      a.heroImage
        ? `<link rel="enclosure" href="${xml(a.heroImage.url)}" type="${imageType(a.heroImage.url)}"/>`
        : '',
      '</entry>',
    ]
      .filter(Boolean)
      .join('\n')
  })
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${xml(meta.language)}">
<id>${xml(meta.id)}</id>
<title type="text">${xml(meta.title)}</title>
<subtitle type="text">${xml(meta.description)}</subtitle>
<updated>${new Date(meta.updated).toISOString()}</updated>
<link rel="self" type="application/atom+xml" href="${xml(meta.selfUrl)}"/>
<link rel="alternate" type="text/html" href="${xml(meta.homeUrl)}"/>
${entries.join('\n')}
</feed>
`
}

function jsonFeed(meta: FeedMeta, items: FeedItem[]): string {
  return JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1',
    title: meta.title,
    description: meta.description,
    home_page_url: meta.homeUrl,
    feed_url: meta.selfUrl,
    language: meta.language,
    items: items.map((item) => {
      const a = item.article
      const audio = audioOf(a)
      return {
        id: articleUri(a.id),
        url: a.links.canonical,
        title: a.kicker ? `${a.kicker}: ${a.headline}` : a.headline,
        content_html: contentHtml(item),
        summary: a.excerpt,
        ...(a.heroImage ? { image: a.heroImage.url } : {}),
        date_published: a.publishedAt,
        date_modified: a.updatedAt,
        authors: a.authors.map((au) => ({ name: au.name })),
        tags: categories(a),
        language: a.language,
        ...(audio?.sizeBytes
          ? {
              attachments: [
                {
                  url: audio.url,
                  mime_type: audio.mediaType ?? 'audio/mpeg',
                  size_in_bytes: audio.sizeBytes,
                  ...(audio.title ? { title: audio.title } : {}),
                  ...(audio.durationSeconds ? { duration_in_seconds: audio.durationSeconds } : {}),
                },
              ],
            }
          : {}),
        _newsdesk: {
          kicker: a.kicker,
          headline: a.headline,
          type: a.type,
          contentWarning: a.contentWarning,
          contentWarningText: a.contentWarningText,
          fullContent: item.full,
        },
      }
    }),
  })
}
