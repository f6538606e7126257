/**
 * An article's references: byline, topics and primary topic, tags, curated related articles, and the links inside
 * its blocks. Everything here runs inside the write transactions of writes.ts.
 */
import { eq, inArray, or, sql } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { resolveRefs } from '../db/refs.js'
import {
  articles,
  articleTags,
  articleTopics,
  authors,
  bylines,
  factTables,
  relatedArticles,
  topics,
} from '../db/schema.js'
import { storeSummaryLinks } from '../db/summary-links.js'
import type { FieldError } from '../http/errors.js'
import {
  checkBlocks,
  countWords,
  excerptOf,
  hasLiveBlocks,
  readingTimeMinutes,
  renderBody,
  staticRenders,
  storedParts,
} from './body.js'
import type { ArticlePatch, BlockInput } from './schemas.js'
import { bodyTemplate } from './template.js'

type Tx = Db

/** Blocks as stored: `related` blocks point at ids, so later slug changes cannot break them. */
export async function resolveBlocks(
  tx: Tx,
  blocks: BlockInput[],
  selfId: string,
  errors: FieldError[],
): Promise<BlockInput[]> {
  errors.push(...checkBlocks(blocks, 'body/body/blocks'))
  const refs = blocks.flatMap((b) => (b.type === 'related' ? [b.article] : []))
  const found = new Map<string, string>()
  if (refs.length > 0) {
    for (const row of await tx
      .select({ id: articles.id, slug: articles.slug })
      .from(articles)
      .where(or(inArray(articles.id, refs), inArray(articles.slug, refs)))) {
      found.set(row.id, row.id)
      found.set(row.slug, row.id)
    }
  }
  const tableSlugs = blocks.flatMap((b) => (b.type === 'factTable' ? [b.factTable] : []))
  const tables = new Set(
    tableSlugs.length === 0
      ? []
      : (
          await tx
            .select({ slug: factTables.slug })
            .from(factTables)
            .where(inArray(factTables.slug, tableSlugs))
        ).map((t) => t.slug),
  )
  return blocks.map((block, i) => {
    if (block.type === 'factTable' && !tables.has(block.factTable)) {
      errors.push({
        path: `body/body/blocks/${i}/factTable`,
        message: `no fact table has the slug "${block.factTable}"`,
      })
    }
    if (block.type !== 'related') return block
    const id = found.get(block.article)
    if (id === undefined || id === selfId) {
      errors.push({
        path: `body/body/blocks/${i}/article`,
        message:
          id === selfId
            ? 'an article cannot link to itself'
            : `no article has the id or slug "${block.article}"`,
      })
      return block
    }
    return { ...block, article: id }
  })
}

/**
 * The body as stored: blocks, rendered html and text (links resolved to current headlines), and counts, as the
 * row's columns; and its template (template.ts), which goes into `body_templates` (`storeTemplate`).
 */
export async function renderForStorage(tx: Tx, blocks: BlockInput[], standfirst: string | null) {
  const linked = new Map(
    (
      await tx
        .select({ id: articles.id, slug: articles.slug, headline: articles.headline })
        .from(articles)
        .where(
          inArray(
            articles.id,
            blocks.flatMap((b) => (b.type === 'related' ? [b.article] : [])),
          ),
        )
    ).map((a) => [a.id, a]),
  )
  // Each block is sanitised here, once: reads render only the live blocks again, from the stored parts.
  const parts = staticRenders(blocks)
  const rendered = renderBody(
    blocks,
    {
      article: (id) => {
        const a = linked.get(id)
        return a ? { title: a.headline, href: `/articles/${a.slug}` } : null
      },
      factTable: () => null,
    },
    parts,
  )
  const wordCount = countWords(rendered.text)
  return {
    columns: {
      bodyBlocks: blocks,
      bodyHtml: rendered.html,
      bodyText: rendered.text,
      bodyParts: hasLiveBlocks(blocks) ? storedParts(parts) : null,
      wordCount,
      readingTimeMinutes: readingTimeMinutes(wordCount),
      excerpt: excerptOf(standfirst, rendered.text),
    },
    template: bodyTemplate(blocks, parts),
  }
}

/**
 * Replaces each ordered list that is given (byline, topics, tags, curated related), one insert per list, and the
 * copy of the first three that summaries read (src/db/summary-links.ts).
 */
export async function replaceLinks(
  tx: Tx,
  articleId: string,
  links: { authorIds?: string[]; topicIds?: string[]; tags?: string[]; relatedIds?: string[] },
) {
  const ordered = <T>(values: T[] | undefined, row: (value: T, position: number) => object) =>
    values?.map((value, position) => ({ articleId, position, ...row(value, position) }))
  const lists = [
    [bylines, ordered(links.authorIds, (authorId) => ({ authorId }))],
    [articleTopics, ordered(links.topicIds, (topicId) => ({ topicId }))],
    [articleTags, ordered(links.tags, (tag) => ({ tag }))],
    [relatedArticles, ordered(links.relatedIds, (relatedId) => ({ relatedId }))],
  ] as const
  for (const [table, rows] of lists) {
    if (rows === undefined) continue
    await tx.delete(table).where(eq(table.articleId, articleId))
    if (rows.length > 0) await tx.insert(table).values(rows as never)
  }
  if (links.authorIds || links.topicIds || links.tags) await storeSummaryLinks(tx, { article: articleId })
}

export interface ResolvedLinks {
  authorIds?: string[]
  topicIds?: string[]
  primaryTopicId?: string | null
  relatedIds?: string[]
}

/** Resolves the references of a create or patch body; `currentTopicIds` is used when topics are not sent. */
export async function resolveLinks(
  tx: Tx,
  input: ArticlePatch,
  selfId: string,
  currentTopicIds: string[],
  errors: FieldError[],
) {
  const out: ResolvedLinks = {}
  if (input.authors)
    out.authorIds = await resolveRefs(tx, authors, input.authors, 'body/authors', 'author', errors)
  if (input.topics) out.topicIds = await resolveRefs(tx, topics, input.topics, 'body/topics', 'topic', errors)
  const topicIds = out.topicIds ?? currentTopicIds
  if (input.primaryTopic !== undefined && input.primaryTopic !== null) {
    const [id] = await resolveRefs(tx, topics, [input.primaryTopic], 'body/primaryTopic', 'topic', [])
    if (id === undefined || !topicIds.includes(id)) {
      errors.push({ path: 'body/primaryTopic', message: 'must be one of the article’s topics' })
    } else out.primaryTopicId = id
  } else if (input.primaryTopic === null) out.primaryTopicId = null
  else if (out.topicIds) out.primaryTopicId = out.topicIds[0] ?? null
  if (input.relatedArticles) {
    out.relatedIds = await resolveRefs(
      tx,
      articles,
      input.relatedArticles,
      'body/relatedArticles',
      'article',
      errors,
    )
    const self = out.relatedIds.indexOf(selfId)
    if (self >= 0)
      errors.push({ path: `body/relatedArticles/${self}`, message: 'an article cannot be related to itself' })
  }
  return out
}

/**
 * Copies the article's publication time (while it is published) into its byline, topic and tag rows, whose indexes
 * `(author | topic | tag, published_at)` answer "the newest articles of this topic" and "those nearest in time" by
 * reading only what is asked for. Runs in every write that can change status, time or links.
 */
export async function syncListedAt(tx: Tx, articleId: string) {
  const listedAt = sql`(select case when ${articles.status} = 'published' then ${articles.publishedAt} end from ${articles} where ${articles.id} = ${articleId})`
  for (const table of [bylines, articleTopics, articleTags]) {
    await tx.update(table).set({ publishedAt: listedAt }).where(eq(table.articleId, articleId))
  }
}
