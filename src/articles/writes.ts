/**
 * Writing articles. Each write validates its references and markup, then changes everything in one
 * transaction, so a failed write changes nothing. The checks are for clear errors; what keeps concurrent
 * writers (other instances on PostgreSQL) honest is the database: the unique slug constraints (a lost race is a
 * 409, never a 500) and the version check inside the UPDATE (a lost race is a 412).
 */
import { and, asc, eq, gt, isNull, lt, ne, notLike, or } from 'drizzle-orm'
import { type Db, first, writeTransaction } from '../db/client.js'
import { isUniqueViolation } from '../db/errors.js'
import { uuidv7 } from '../db/ids.js'
import { slugify } from '../db/refs.js'
import { articleSlugs, articles, articleTopics, bodyTemplates, summaryTemplates } from '../db/schema.js'
import { badRequest, conflict, type FieldError, notFound, preconditionFailed } from '../http/errors.js'
import { parseInstant } from '../http/validation.js'
import { reindexArticle, syncSearchVisibility, unindexArticle } from '../search/index.js'
import { hasLiveBlocks, staticRenders, storedParts } from './body.js'
import { renderForStorage, replaceLinks, resolveBlocks, resolveLinks, syncListedAt } from './links.js'
import type { ArticleCreate, ArticlePatch, BlockInput, RightsInput } from './schemas.js'
import { type ArticleRow, etagOf, withSummaryTemplate } from './store.js'
import { SUMMARY_TEMPLATE_VERSION, storeSummaryTemplates, storeTemplate } from './summary-template.js'
import { bodyTemplate } from './template.js'

type Tx = Db

async function slugTaken(tx: Tx, slug: string, exceptArticleId?: string): Promise<boolean> {
  const current = await first(
    tx
      .select({ id: articles.id })
      .from(articles)
      .where(and(eq(articles.slug, slug), exceptArticleId ? ne(articles.id, exceptArticleId) : undefined))
      .limit(1),
  )
  const retired = await first(
    tx
      .select({ id: articleSlugs.articleId })
      .from(articleSlugs)
      .where(
        and(
          eq(articleSlugs.slug, slug),
          exceptArticleId ? ne(articleSlugs.articleId, exceptArticleId) : undefined,
        ),
      )
      .limit(1),
  )
  return current !== undefined || retired !== undefined
}

/**
 * `base`, or `base-N` with N one more than the highest suffix in use (current or retired slugs): one index range
 * read per table however many articles share the base.
 */
async function uniqueSlug(tx: Tx, base: string): Promise<string> {
  // Every `base-…` sorts between `base-` and `base.` ('.' follows '-' in ASCII).
  const inRange = (column: typeof articles.slug | typeof articleSlugs.slug) =>
    or(eq(column, base), and(gt(column, `${base}-`), lt(column, `${base}.`)))
  const used = [
    ...(await tx.select({ slug: articles.slug }).from(articles).where(inRange(articles.slug))),
    ...(await tx.select({ slug: articleSlugs.slug }).from(articleSlugs).where(inRange(articleSlugs.slug))),
  ].map((r) => r.slug)
  if (!used.includes(base)) return base
  const suffix = new RegExp(`^${base}-(\\d{1,9})$`)
  const highest = Math.max(1, ...used.map((slug) => Number(suffix.exec(slug)?.[1] ?? 0)))
  return `${base}-${highest + 1}`
}

function fail(errors: FieldError[]): never {
  throw badRequest(errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors)
}

const slugConflict = (slug: string) =>
  conflict(`The slug "${slug}" is already used by an article.`, [
    { path: 'body/slug', message: 'is already used' },
  ])

/** A unique violation on a write that chose `slug`: another writer took it between the check and the write. */
async function guardSlug<T>(slug: () => string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (error) {
    const taken = slug()
    if (taken !== undefined && isUniqueViolation(error)) throw slugConflict(taken)
    throw error
  }
}

export async function createArticle(
  db: Db,
  input: ArticleCreate,
  now = Date.now(),
  id = uuidv7(now),
): Promise<ArticleRow> {
  let chosen: string | undefined
  return guardSlug(
    () => chosen,
    () =>
      writeTransaction(db, async (tx) => {
        const errors: FieldError[] = []
        if (input.slug && (await slugTaken(tx, input.slug))) throw slugConflict(input.slug)
        const slug = input.slug ?? (await uniqueSlug(tx, slugify(input.headline)))
        chosen = slug
        const links = await resolveLinks(tx, input, id, [], errors)
        const blocks = await resolveBlocks(tx, input.body.blocks, id, errors)
        if (errors.length > 0) fail(errors)
        const standfirst = input.standfirst ?? null
        const rights = rightsColumns(input.rights, undefined, errors)
        if (errors.length > 0) fail(errors)
        const body = await renderForStorage(tx, blocks, standfirst)
        const row: ArticleRow = {
          id,
          slug,
          type: input.type ?? 'news',
          headline: input.headline,
          kicker: input.kicker ?? null,
          standfirst,
          language: input.language ?? 'en',
          status: 'draft',
          publishedAt: null,
          createdAt: now,
          updatedAt: now,
          version: 1,
          primaryTopicId: links.primaryTopicId ?? null,
          heroImage: input.heroImage ?? null,
          contentWarning: input.contentWarning ?? null,
          contentWarningText: input.contentWarningText ?? null,
          ...rights,
          withdrawnAt: null,
          ...body.columns,
          // Stored by replaceLinks below; the row answered here reads its links from the link tables.
          summaryLinks: null,
        }
        await tx.insert(articles).values(row)
        await storeTemplate(tx, bodyTemplates, id, body.template)
        await replaceLinks(tx, id, { ...links, tags: input.tags ?? [] })
        // Once its links are stored.
        await storeSummaryTemplates(tx, [id])
        await reindexArticle(tx, id)
        return row
      }),
  )
}

async function loadForWrite(tx: Tx, id: string, ifMatch: string | undefined): Promise<ArticleRow> {
  const row = await first(tx.select().from(articles).where(eq(articles.id, id)))
  if (!row) throw notFound('No such article.')
  if (ifMatch !== undefined && !ifMatchAllows(ifMatch, row)) {
    throw preconditionFailed(
      `The article changed since ${ifMatch}; its ETag is now ${etagOf(row)}. Fetch it again and retry.`,
    )
  }
  return row
}

/** RFC 9110 If-Match: `*` or a list of strong ETags. */
function ifMatchAllows(header: string, row: ArticleRow): boolean {
  const tags = header.split(',').map((t) => t.trim())
  return tags.includes('*') || tags.includes(etagOf(row))
}

/** Bumps the version only if nobody else did since `row` was read; the check and the write are one statement. */
async function saveRow(
  tx: Tx,
  row: ArticleRow,
  changes: Partial<ArticleRow>,
  now: number,
): Promise<ArticleRow> {
  const next = { ...row, ...changes, version: row.version + 1, updatedAt: now }
  const saved = await tx
    .update(articles)
    .set({ ...changes, version: next.version, updatedAt: now })
    .where(and(eq(articles.id, row.id), eq(articles.version, row.version)))
    .returning({ id: articles.id })
  if (saved.length !== 1)
    throw preconditionFailed('The article changed while this write ran; fetch it again and retry.')
  await syncListedAt(tx, row.id)
  await storeSummaryTemplates(tx, [row.id])
  return next
}

export async function updateArticle(
  db: Db,
  id: string,
  patch: ArticlePatch,
  ifMatch?: string,
  now = Date.now(),
): Promise<ArticleRow> {
  return guardSlug(
    () => patch.slug,
    () =>
      writeTransaction(db, async (tx) => {
        const row = await loadForWrite(tx, id, ifMatch)
        const errors: FieldError[] = []
        const currentTopicIds = (
          await tx
            .select({ id: articleTopics.topicId })
            .from(articleTopics)
            .where(eq(articleTopics.articleId, id))
        ).map((t) => t.id)
        const links = await resolveLinks(tx, patch, id, currentTopicIds, errors)
        const topicIds = links.topicIds ?? currentTopicIds
        if (
          links.primaryTopicId === undefined &&
          row.primaryTopicId !== null &&
          !topicIds.includes(row.primaryTopicId)
        ) {
          links.primaryTopicId = topicIds[0] ?? null
        }
        const blocks = patch.body ? await resolveBlocks(tx, patch.body.blocks, id, errors) : undefined
        if (errors.length > 0) fail(errors)
        const changes: Partial<ArticleRow> = {}
        if (patch.slug !== undefined && patch.slug !== row.slug) {
          if (await slugTaken(tx, patch.slug, id)) throw slugConflict(patch.slug)
          await tx.delete(articleSlugs).where(eq(articleSlugs.slug, patch.slug))
          await tx.insert(articleSlugs).values({ slug: row.slug, articleId: id, retiredAt: now })
          changes.slug = patch.slug
        }
        if (patch.headline !== undefined) changes.headline = patch.headline
        if (patch.kicker !== undefined) changes.kicker = patch.kicker
        if (patch.type !== undefined) changes.type = patch.type
        if (patch.standfirst !== undefined) changes.standfirst = patch.standfirst
        if (patch.language !== undefined) changes.language = patch.language
        if (patch.heroImage !== undefined) changes.heroImage = patch.heroImage
        if (patch.contentWarning !== undefined) changes.contentWarning = patch.contentWarning
        if (patch.contentWarningText !== undefined) changes.contentWarningText = patch.contentWarningText
        if (patch.rights !== undefined) Object.assign(changes, rightsColumns(patch.rights, row, errors))
        if (errors.length > 0) fail(errors)
        if (links.primaryTopicId !== undefined) changes.primaryTopicId = links.primaryTopicId
        let template: string | undefined
        if (blocks !== undefined || patch.standfirst !== undefined) {
          const standfirst = patch.standfirst !== undefined ? patch.standfirst : row.standfirst
          const body = await renderForStorage(tx, blocks ?? (row.bodyBlocks as BlockInput[]), standfirst)
          Object.assign(changes, body.columns)
          template = body.template
        }
        await replaceLinks(tx, id, { ...links, ...(patch.tags ? { tags: patch.tags } : {}) })
        const saved = await saveRow(tx, row, changes, now)
        if (template !== undefined) await storeTemplate(tx, bodyTemplates, id, template)
        await reindexArticle(tx, id)
        // The row read before the write holds the old copy of the links: the answer reads them from the tables.
        return links.authorIds || links.topicIds || patch.tags ? { ...saved, summaryLinks: null } : saved
      }),
  )
}

/** Publishes now, or schedules for `publishAt`; an article already live keeps its publication time. */
/** The rights columns from a create or a patch (`current` is the row being patched): only given fields change. */
function rightsColumns(
  input: RightsInput | undefined,
  current: ArticleRow | undefined,
  errors: FieldError[],
) {
  const syndication = input?.syndication ?? current?.syndication ?? 'all'
  const partners = input?.partners ?? current?.syndicationPartners ?? []
  if (syndication === 'named' && partners.length === 0)
    errors.push({
      path: 'body/rights/partners',
      message: 'name at least one partner when syndication is `named`',
    })
  const embargo = input?.embargoUntil
  const embargoUntil =
    embargo === undefined
      ? (current?.embargoUntil ?? null)
      : embargo === null
        ? null
        : parseInstant(embargo, 'body/rights/embargoUntil')
  return {
    syndication,
    syndicationPartners: syndication === 'named' ? partners : [],
    embargoUntil,
    rightsStatement: input?.statement === undefined ? (current?.rightsStatement ?? null) : input.statement,
    usageTerms: input?.usageTerms === undefined ? (current?.usageTerms ?? null) : input.usageTerms,
  }
}

export async function publishArticle(
  db: Db,
  id: string,
  publishAt: number | undefined,
  ifMatch?: string,
  now = Date.now(),
) {
  if (publishAt !== undefined && !Number.isFinite(publishAt))
    throw badRequest('body/publishAt: is not a real instant', [
      { path: 'body/publishAt', message: 'is not a real instant' },
    ])
  return writeTransaction(db, async (tx) => {
    const row = await loadForWrite(tx, id, ifMatch)
    const live = row.status === 'published' && row.publishedAt !== null && row.publishedAt <= now
    const publishedAt = publishAt ?? (live ? (row.publishedAt as number) : now)
    const saved = await saveRow(tx, row, { status: 'published', publishedAt, withdrawnAt: null }, now)
    await syncSearchVisibility(tx, id)
    return saved
  })
}

export async function unpublishArticle(db: Db, id: string, ifMatch?: string, now = Date.now()) {
  return writeTransaction(db, async (tx) => {
    const row = await loadForWrite(tx, id, ifMatch)
    // Taking back what the public could see is a withdrawal partners are told of (`canceled`).
    const live = row.status === 'published' && row.publishedAt !== null && row.publishedAt <= now
    const withdrawnAt = live ? now : row.withdrawnAt
    const saved = await saveRow(tx, row, { status: 'draft', publishedAt: null, withdrawnAt }, now)
    await syncSearchVisibility(tx, id)
    return saved
  })
}

export async function deleteArticle(db: Db, id: string, ifMatch?: string): Promise<void> {
  await writeTransaction(db, async (tx) => {
    await loadForWrite(tx, id, ifMatch)
    await tx.delete(articles).where(eq(articles.id, id))
    await unindexArticle(tx, id)
  })
}

/**
 * Stores what reads render bodies from, for rows written before it was kept (see `renderForStorage`): the body's
 * template (template.ts) and, for bodies with live blocks, the sanitised parts. A page of rows at a time; answers
 * how many it filled. Changes no version: what the articles answer stays the same, only cheaper to produce.
 */
export async function fillStoredRenderings(db: Db, pageSize = 200): Promise<number> {
  return (await fillBodies(db, pageSize)) + (await fillSummaries(db, pageSize))
}

async function fillBodies(db: Db, pageSize: number): Promise<number> {
  let filled = 0
  let after = ''
  for (;;) {
    const page = await db
      .select({ id: articles.id, version: articles.version, bodyBlocks: articles.bodyBlocks })
      .from(articles)
      .leftJoin(bodyTemplates, eq(bodyTemplates.articleId, articles.id))
      .where(and(isNull(bodyTemplates.articleId), gt(articles.id, after)))
      .orderBy(asc(articles.id))
      .limit(pageSize)
    const last = page.at(-1)
    if (last === undefined) return filled
    after = last.id
    await writeTransaction(db, async (tx) => {
      for (const row of page) {
        const blocks = row.bodyBlocks as BlockInput[]
        const parts = staticRenders(blocks)
        // A row written since has stored its own.
        const current = await first(
          tx.select({ version: articles.version }).from(articles).where(eq(articles.id, row.id)),
        )
        if (current?.version !== row.version) continue
        if (hasLiveBlocks(blocks))
          await tx
            .update(articles)
            .set({ bodyParts: storedParts(parts) })
            .where(eq(articles.id, row.id))
        await tx
          .insert(bodyTemplates)
          .values({ articleId: row.id, template: bodyTemplate(blocks, parts) })
          .onConflictDoNothing()
      }
    })
    filled += page.length
  }
}

/** Stores the summary template (summary-template.ts) of rows written before it was kept, or in another format. */
async function fillSummaries(db: Db, pageSize: number): Promise<number> {
  let filled = 0
  let after = ''
  for (;;) {
    const page = await db
      .select({ id: articles.id })
      .from(articles)
      .leftJoin(summaryTemplates, withSummaryTemplate)
      .where(
        and(
          or(
            isNull(summaryTemplates.template),
            notLike(summaryTemplates.template, `${SUMMARY_TEMPLATE_VERSION}%`),
          ),
          gt(articles.id, after),
        ),
      )
      .orderBy(asc(articles.id))
      .limit(pageSize)
    const last = page.at(-1)
    if (last === undefined) return filled
    after = last.id
    await writeTransaction(db, (tx) =>
      storeSummaryTemplates(
        tx,
        page.map((row) => row.id),
      ),
    )
    filled += page.length
  }
}
