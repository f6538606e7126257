/** TypeBox schemas of articles: the write shapes editors send and the read shapes clients get. */

import { type Static, type TSchema, Type } from 'typebox'
import type { FactTable } from '../facts/schemas.js'
import { FieldsQuery } from '../http/fields.js'
import { Image, ImageInput } from '../http/images.js'
import {
  HttpUrl,
  Id,
  Nullable,
  PageInfo,
  PaginationQuery,
  Ref,
  ref,
  Slug,
  StringEnum,
  Timestamp,
} from '../http/schemas.js'
import type { Topic } from '../topics/schemas.js'

const InlineHtml = (description: string) =>
  Type.String({
    maxLength: 20_000,
    description: `${description} Inline HTML limited to \`a em strong b i sup sub br\`; \`a\` takes \`href\` (http, https, mailto or relative) and \`title\`. Other markup is a 400.`,
  })

const block = <T extends string, P extends Record<string, TSchema>>(
  type: T,
  description: string,
  properties: P,
  suffix = '',
) =>
  Type.Object(
    { type: Type.Literal(type), ...properties },
    {
      additionalProperties: false,
      description,
      title: `${type[0]?.toUpperCase()}${type.slice(1)}Block${suffix}`,
    },
  )

const ShortText = (maxLength: number, description?: string) =>
  Type.String({ maxLength, ...(description ? { description } : {}) })

const common = {
  paragraph: block('paragraph', 'A paragraph of prose.', { html: InlineHtml('The paragraph.') }),
  heading: block('heading', 'A sub-heading.', {
    level: Type.Union([Type.Literal(2), Type.Literal(3)]),
    text: ShortText(300, 'Plain text.'),
  }),
  quote: block('quote', 'A quotation.', {
    html: InlineHtml('The quoted words.'),
    attribution: Type.Optional(ShortText(300, 'Who said it.')),
  }),
  list: block('list', 'A bulleted or numbered list.', {
    ordered: Type.Boolean(),
    items: Type.Array(InlineHtml('One item.'), { minItems: 1, maxItems: 200 }),
  }),
  embed: block('embed', 'Third-party content shown by the client (a post, a video).', {
    provider: ShortText(50, 'e.g. `youtube`, `x`, `facebook`.'),
    url: HttpUrl,
  }),
  audio: block('audio', 'An audio file, for podcasts.', {
    url: HttpUrl,
    title: Type.Optional(ShortText(300)),
    durationSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
    sizeBytes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10_000_000_000,
        description: 'Size of the file; feeds need it for the podcast enclosure.',
      }),
    ),
    mediaType: Type.Optional(
      StringEnum(['audio/mpeg', 'audio/mp4', 'audio/aac', 'audio/ogg', 'audio/opus', 'audio/wav'] as const, {
        description: 'Media type of the file; `audio/mpeg` when absent.',
      }),
    ),
  }),
}

const ImageBlockInput = block(
  'image',
  'An image with caption and credit; its dimensions are required.',
  ImageInput.properties,
  'Input',
)
const ImageBlock = block(
  'image',
  'An image with caption, credit, dimensions and renditions for `srcset`.',
  Image.properties,
)

const RelatedBlockInput = block(
  'related',
  'A "Read more" link to another article.',
  {
    article: Ref,
    label: Type.Optional(ShortText(100, 'Shown before the headline; default "Read more".')),
  },
  'Input',
)
const FactTableBlockInput = block('factTable', 'A reference to a fact table.', { factTable: Slug }, 'Input')

/** A discriminated union: Ajv picks the variant by `type`, so errors name the right fields. */
const discriminated = <S>(variants: TSchema[], title: string) =>
  Type.Unsafe<S>({
    title,
    type: 'object',
    required: ['type'],
    discriminator: { propertyName: 'type' },
    oneOf: variants,
  })

const inputVariants = [...Object.values(common), ImageBlockInput, RelatedBlockInput, FactTableBlockInput]
export type BlockInput =
  | Static<typeof ImageBlockInput>
  | Static<typeof RelatedBlockInput>
  | Static<typeof FactTableBlockInput>
  | Static<(typeof common)[keyof typeof common]>
export const BlockInput = discriminated<BlockInput>(inputVariants, 'BlockInput')

const LinkedArticle = Type.Object(
  {
    id: Id,
    slug: Slug,
    headline: Type.String(),
    url: Type.String({ description: 'API path of the article.' }),
    canonical: Type.String({ description: 'The article’s page on the website.' }),
  },
  { additionalProperties: false, title: 'LinkedArticle' },
)
const RelatedBlock = block(
  'related',
  'A "Read more" link, resolved now; `article` is null when not visible.',
  {
    article: Nullable(LinkedArticle),
    label: Type.String(),
  },
)
const FactTableBlock = block(
  'factTable',
  'A fact table, resolved now; `title` is null when it does not exist.',
  {
    factTable: Slug,
    title: Nullable(Type.String()),
    url: Type.String({ description: 'API path of the fact table.' }),
    canonical: Nullable(
      Type.String({ description: 'The table’s page on the website; null when it does not exist.' }),
    ),
  },
)
export type Block =
  | Static<typeof ImageBlock>
  | Static<typeof RelatedBlock>
  | Static<typeof FactTableBlock>
  | Static<(typeof common)[keyof typeof common]>
export const Block = discriminated<Block>(
  [...Object.values(common), ImageBlock, RelatedBlock, FactTableBlock],
  'Block',
)

import { ARTICLE_TYPES, CONTENT_WARNING_MEANINGS, CONTENT_WARNINGS, SYNDICATIONS } from '../db/enums.js'

export { ARTICLE_TYPES }

const ArticleType = StringEnum(ARTICLE_TYPES, { description: 'Kind of piece.' })
const Language = Type.String({
  pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$',
  maxLength: 35,
  description: 'BCP 47 tag, e.g. `en`.',
})
const Tag = Type.String({
  pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$',
  maxLength: 60,
  description: 'Kebab-case tag.',
})
const ContentWarning = StringEnum(CONTENT_WARNINGS, {
  description: `What readers are warned of: ${CONTENT_WARNINGS.map((w) => `\`${w}\` (${CONTENT_WARNING_MEANINGS[w]})`).join(', ')}. The words shown to readers are \`contentWarningText\`.`,
})
const Kicker = Type.String({
  minLength: 1,
  maxLength: 60,
  description:
    'A label shown above or before the headline ("Live updates", "Opinion", "Podcast"), kept out of the headline itself.',
})

const PartnerName = Type.String({
  pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$',
  maxLength: 60,
  description: 'A partner, as named on its keys (`npm run cli -- tokens create --partner NAME`).',
})
const rightsProperties = {
  syndication: StringEnum(SYNDICATIONS, {
    description:
      'Who may republish it: `all` partners, only the `named` ones, or `none` (partners get the headline and excerpt, never the body).',
  }),
  partners: Type.Array(PartnerName, {
    maxItems: 100,
    uniqueItems: true,
    description: 'With `named`: the partners who may republish it.',
  }),
  embargoUntil: Nullable({
    ...Timestamp,
    description: 'Partners see nothing of it before this time (the website is unaffected).',
  }),
  statement: Nullable(
    Type.String({ maxLength: 1000, description: 'The rights statement (copyright notice).' }),
  ),
  usageTerms: Nullable(Type.String({ maxLength: 2000, description: 'What partners may do with it.' })),
}
export const Rights = Type.Object(rightsProperties, {
  additionalProperties: false,
  title: 'Rights',
  description: 'Syndication rights and embargo. Only editors see them here; partners get them in ninjs.',
})
export const RightsInput = Type.Partial(Type.Object(rightsProperties), {
  additionalProperties: false,
  title: 'RightsInput',
  description:
    'Only the given fields change. New articles default to `syndication: all`, no embargo, no statement or terms.',
})
export type RightsInput = Static<typeof RightsInput>

const Byline = Type.Object(
  { id: Id, slug: Slug, name: Type.String() },
  { additionalProperties: false, title: 'BylineAuthor' },
)
export const TopicRef = Type.Object(
  { id: Id, slug: Slug, title: Type.String() },
  { additionalProperties: false, title: 'TopicRef' },
)

export const STATUSES = ['draft', 'scheduled', 'published'] as const

const summaryProperties = {
  id: Id,
  slug: Slug,
  type: ArticleType,
  headline: Type.String(),
  kicker: Nullable(Kicker),
  standfirst: Nullable(Type.String()),
  language: Type.String(),
  status: Type.Optional(StringEnum(STATUSES, { description: 'Only shown to editors.' })),
  publishedAt: Nullable({
    ...Timestamp,
    description: 'When it was (or will be) published; null for drafts.',
  }),
  updatedAt: Timestamp,
  authors: Type.Array(Byline, { description: 'The byline, in order.' }),
  primaryTopic: Nullable(TopicRef),
  topics: Type.Array(TopicRef),
  tags: Type.Array(Type.String()),
  heroImage: Nullable(Image),
  contentWarning: Nullable(ContentWarning),
  contentWarningText: Nullable(Type.String({ description: 'The warning as readers see it.' })),
  wordCount: Type.Integer(),
  readingTimeMinutes: Type.Integer({ description: 'At 230 words a minute, at least 1.' }),
  excerpt: Type.String({
    description:
      'The standfirst, or the start of the text. Plain text, not HTML: entities are decoded, so `&lt;img&gt;` written in the body arrives here as the characters `<img>`. Escape it before putting it into a page.',
  }),
  links: Type.Object(
    {
      self: Type.String(),
      related: Type.String(),
      canonical: Type.String({ description: 'The page on the website.' }),
    },
    { additionalProperties: false },
  ),
}

export const ArticleSummary = Type.Object(summaryProperties, {
  $id: 'ArticleSummary',
  additionalProperties: false,
  title: 'ArticleSummary',
})
export type ArticleSummary = Static<typeof ArticleSummary>

export const Body = Type.Object(
  {
    blocks: Type.Array(Block),
    html: Type.String({ description: 'Sanitised HTML of the whole body.' }),
    text: Type.String({
      description:
        'Plain text of the whole body, not HTML: entities are decoded (`&lt;` arrives as `<`). Escape it before putting it into a page; use `html` for markup.',
    }),
  },
  { additionalProperties: false, title: 'Body' },
)

/** What `include=` embeds, each in the shape of its own endpoint; absent unless asked for. */
const Included = Type.Object(
  {
    factTables: Type.Optional(
      Type.Array(Type.Unsafe<FactTable>({ $ref: 'FactTable' }), {
        description: 'The fact tables the body shows, in body order (`GET /v1/fact-tables/{slug}`).',
      }),
    ),
    related: Type.Optional(
      Type.Unsafe<Static<typeof RelatedResponse>>({
        $ref: 'RelatedArticles',
        description: '`GET /v1/articles/{article}/related` with its defaults.',
      }),
    ),
    primaryTopic: Type.Optional(
      Type.Union([Type.Unsafe<Topic>({ $ref: 'Topic' }), Type.Null()], {
        description: '`GET /v1/topics/{slug}` of the primary topic; null when there is none.',
      }),
    ),
  },
  { additionalProperties: false, title: 'ArticleIncluded' },
)

export const Article = Type.Object(
  {
    ...summaryProperties,
    body: Body,
    rights: Type.Optional({ ...Rights, description: 'Only shown to editors.' }),
    included: Type.Optional(Included),
  },
  { $id: 'Article', additionalProperties: false, title: 'Article' },
)
export type Article = Static<typeof Article>

const writable = {
  headline: Type.String({ minLength: 1, maxLength: 300 }),
  kicker: Nullable(Kicker),
  type: ArticleType,
  slug: Slug,
  standfirst: Nullable(Type.String({ maxLength: 1000 })),
  language: Language,
  authors: Type.Array(Ref, {
    minItems: 1,
    maxItems: 20,
    uniqueItems: true,
    description: 'The byline, in order.',
  }),
  topics: Type.Array(Ref, { maxItems: 20, uniqueItems: true }),
  primaryTopic: Nullable({ ...Ref, description: 'One of `topics`; defaults to the first.' }),
  tags: Type.Array(Tag, { maxItems: 30, uniqueItems: true }),
  heroImage: Nullable(ImageInput),
  contentWarning: Nullable(ContentWarning),
  contentWarningText: Nullable(Type.String({ maxLength: 500 })),
  relatedArticles: Type.Array(Ref, {
    maxItems: 20,
    uniqueItems: true,
    description: 'Curated related articles, in order.',
  }),
  rights: RightsInput,
  body: Type.Object(
    { blocks: Type.Array(BlockInput, { maxItems: 1000 }) },
    { additionalProperties: false, title: 'BodyInput' },
  ),
}

export const ArticleCreate = Type.Object(
  {
    headline: writable.headline,
    authors: writable.authors,
    topics: writable.topics,
    body: writable.body,
    type: Type.Optional({ ...writable.type, default: 'news' }),
    kicker: Type.Optional(writable.kicker),
    slug: Type.Optional({ ...writable.slug, description: 'Derived from the headline when absent.' }),
    standfirst: Type.Optional(writable.standfirst),
    language: Type.Optional({ ...writable.language, default: 'en' }),
    primaryTopic: Type.Optional(writable.primaryTopic),
    tags: Type.Optional(writable.tags),
    heroImage: Type.Optional(writable.heroImage),
    contentWarning: Type.Optional(writable.contentWarning),
    contentWarningText: Type.Optional(writable.contentWarningText),
    relatedArticles: Type.Optional(writable.relatedArticles),
    rights: Type.Optional(writable.rights),
  },
  { additionalProperties: false, title: 'ArticleCreate' },
)
export type ArticleCreate = Static<typeof ArticleCreate>

export const ArticlePatch = Type.Partial(Type.Object(writable), {
  additionalProperties: false,
  minProperties: 1,
  title: 'ArticlePatch',
})
export type ArticlePatch = Static<typeof ArticlePatch>

export const PublishRequest = Type.Object(
  {
    publishAt: Type.Optional({
      ...Timestamp,
      description: 'When to publish; now when absent. A future time schedules the article.',
    }),
  },
  { additionalProperties: false, title: 'PublishRequest' },
)

export const ArticleListQuery = Type.Object(
  {
    topic: Type.Optional({ ...Ref, description: 'Only articles in this topic (slug or id).' }),
    tag: Type.Optional(Tag),
    author: Type.Optional({ ...Ref, description: 'Only articles by this author (slug or id).' }),
    type: Type.Optional(ArticleType),
    language: Type.Optional(Language),
    from: Type.Optional({ ...Timestamp, description: 'Published at or after this time.' }),
    to: Type.Optional({ ...Timestamp, description: 'Published before this time.' }),
    sort: Type.Optional(
      StringEnum(['newest', 'oldest'] as const, { default: 'newest', description: 'By publication time.' }),
    ),
    status: Type.Optional(
      StringEnum([...STATUSES, 'all'] as const, {
        description:
          'Editors only (`content:write`): list drafts or scheduled articles. Default `published`.',
      }),
    ),
    fields: Type.Optional(FieldsQuery),
    ...PaginationQuery,
  },
  { additionalProperties: false },
)

export const BODY_FORMATS = ['blocks', 'html', 'text'] as const

export const INCLUDES = ['factTables', 'related', 'primaryTopic'] as const

export const ArticleQuery = Type.Object(
  {
    fields: Type.Optional(FieldsQuery),
    include: Type.Optional(
      Type.String({
        pattern: `^(${INCLUDES.join('|')})(,(${INCLUDES.join('|')}))*$`,
        description:
          'Embeds what a page needs in the same response, under `included`, comma-separated: `factTables` (the tables the body shows), `related` (the related list), `primaryTopic` (the topic). Each has the shape of its own endpoint.',
      }),
    ),
    body: Type.Optional(
      Type.String({
        pattern: '^(blocks|html|text)(,(blocks|html|text))*$',
        description:
          'Only these body formats, comma-separated (`blocks`, `html`, `text`): a client that renders HTML asks for `html` and gets neither the blocks nor the text. Without it, all three.',
      }),
    ),
  },
  { additionalProperties: false },
)
export type ArticleQuery = Static<typeof ArticleQuery>

/** Top-level fields of each, for `fields=`. */
export const SUMMARY_FIELDS = Object.keys(summaryProperties)
export const ARTICLE_FIELDS = [...SUMMARY_FIELDS, 'body']
export type ArticleListQuery = Static<typeof ArticleListQuery>

export const ArticleParams = Type.Object({ article: Ref }, { additionalProperties: false })

export const RelatedItem = Type.Object(
  {
    reason: StringEnum(['curated', 'shared-topics', 'shared-tags'] as const, {
      description: '`curated` when chosen by an editor; otherwise what the computed match rests on.',
    }),
    sharedTopics: Type.Array(Type.String(), { description: 'Slugs of the topics both articles are in.' }),
    sharedTags: Type.Array(Type.String(), { description: 'Tags both articles carry.' }),
    score: Nullable(Type.Number({ description: 'The computed score; null for curated articles.' })),
    article: ref(ArticleSummary),
  },
  { additionalProperties: false, title: 'RelatedArticle' },
)
export type RelatedItem = Static<typeof RelatedItem>

export const RelatedResponse = Type.Object(
  { data: Type.Array(RelatedItem), page: PageInfo },
  { $id: 'RelatedArticles', additionalProperties: false, title: 'RelatedArticles' },
)

export const RelatedQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 20, default: 6, description: 'How many, 1-20.' }),
    ),
    includeEmpty: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Also articles with no body yet (stubs); left out by default.',
      }),
    ),
  },
  { additionalProperties: false },
)
