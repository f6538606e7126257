/**
 * Every closed list of values the database stores, defined once: the Drizzle tables of both engines and the
 * TypeBox schemas of the API import them from here, so the tables cannot drift from the API.
 */
export const ARTICLE_TYPES = ['news', 'opinion', 'analysis', 'podcast', 'live'] as const
/** 'published' with a future published_at is scheduled: visibility is decided at read time. */
export const ARTICLE_STATUSES = ['draft', 'published'] as const
/** Who may republish an article: every partner, only the named ones, or none (partners get the excerpt). */
export const SYNDICATIONS = ['all', 'named', 'none'] as const
/** Content warnings readers can be shown before an article; `CONTENT_WARNING_MEANINGS` documents each. */
export const CONTENT_WARNINGS = [
  'graphic-violence',
  'sexual-violence',
  'self-harm',
  'disturbing-imagery',
  'strong-language',
] as const
export const CONTENT_WARNING_MEANINGS: Record<(typeof CONTENT_WARNINGS)[number], string> = {
  'graphic-violence': 'descriptions or images of injury, killing or mutilation',
  'sexual-violence': 'descriptions of rape or sexual abuse',
  'self-harm': 'descriptions of suicide or self-harm',
  'disturbing-imagery': 'distressing images that are not violent, such as the dead or grieving',
  'strong-language': 'swearing or slurs, quoted',
}
export const TOPIC_KINDS = ['story', 'region', 'theme'] as const
export const CATEGORIES = ['military', 'civilian', 'all', 'unknown'] as const
export const QUALIFIERS = [
  'exact',
  'at-least',
  'more-than',
  'around',
  'up-to',
  'fewer-than',
  'range',
  'unknown',
] as const
export const PRECISIONS = ['minute', 'hour', 'day', 'month', 'year'] as const
export const VERIFICATIONS = ['unverified', 'corroborated', 'verified', 'disputed'] as const
export const RANKS = ['preferred', 'normal', 'deprecated'] as const
export const DEPRECATION_REASONS = ['superseded', 'corrected', 'retracted', 'duplicate'] as const
export const SOURCE_KINDS = [
  'government',
  'military',
  'ministry',
  'international',
  'ngo',
  'media',
  'newsroom',
  'other',
] as const
