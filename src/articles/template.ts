/**
 * A body as its public JSON, made when the article is written (table `body_templates`), so that reading an
 * article does not escape ≈25 KB of strings again on every request: each block's JSON, and its HTML and text
 * already escaped as JSON strings, with the parts that depend on the reading (what `related` and `factTable`
 * blocks point at now, an image's renditions from the image CDN's settings, links made absolute against the
 * website) left to be filled in. Reading joins the parts and fills those in, with the same functions the rest of
 * the API uses, so the bytes are those the route's schema would write.
 *
 * The stored form is text, not JSON: the parts, separated by U+0001, which no JSON text holds outside a string
 * and JSON strings hold only escaped. First the format's version, then three parts per block: the block's JSON
 * (or U+0002 and the block as written, when it depends on the reading), its HTML and its text (or U+0002 alone,
 * when they do).
 */

import { presentImage } from '../http/images.js'
import { buildSerializer } from '../http/serializer.js'
import type { Site } from '../http/site.js'
import { absoluteLinks, isLive, type Rendered, type Resolver, renderBlock } from './body.js'
import { Block, type BlockInput } from './schemas.js'

const VERSION = 'body-template-1'
const SEP = '\u0001'
const LIVE = '\u0002'

/** A block as clients get it, with the fact tables and articles it points at resolved for this reading. */
export function presentBlock(block: BlockInput, resolver: Resolver, site: Site): Block {
  if (block.type === 'related') {
    const target = resolver.article(block.article) as {
      id: string
      slug: string
      headline: string
      href: string
    } | null
    return {
      type: 'related',
      label: block.label ?? 'Read more',
      article: target && {
        id: target.id,
        slug: target.slug,
        headline: target.headline,
        url: `/v1/articles/${target.slug}`,
        canonical: target.href,
      },
    }
  }
  if (block.type === 'factTable') {
    const target = resolver.factTable(block.factTable)
    return {
      type: 'factTable',
      factTable: block.factTable,
      title: target?.title ?? null,
      url: `/v1/fact-tables/${block.factTable}`,
      canonical: target?.href ?? null,
    }
  }
  if (block.type === 'image') {
    const { type, ...stored } = block
    return { type, ...presentImage(stored, site.images) }
  }
  return block
}

/** The route's own serialiser for one block: the same bytes as inside a whole response. */
const serializeBlock = buildSerializer(
  {},
  {},
)({ schema: Block, method: 'GET', url: '/v1/articles/:article', httpStatus: '200' }) as (
  block: Block,
) => string

/** A string's JSON form without its quotes: what goes between the quotes of `"html":"…"`. */
const escaped = (text: string) => JSON.stringify(text).slice(1, -1)

/** Blocks whose JSON depends on the reading: links resolved now, renditions from the current image settings. */
const readTimeJson = (block: BlockInput) => isLive(block) || block.type === 'image'

/** The stored template of a body, from its blocks and the renderings of those that depend on nothing else. */
export function bodyTemplate(blocks: BlockInput[], renders: readonly (Rendered | undefined)[]): string {
  const parts = [VERSION]
  blocks.forEach((block, i) => {
    const rendered = renders[i]
    parts.push(
      readTimeJson(block) ? LIVE + JSON.stringify(block) : serializeBlock(block as Block),
      rendered === undefined ? LIVE : escaped(rendered.html),
      rendered === undefined ? LIVE : escaped(rendered.text),
    )
  })
  return parts.join(SEP)
}

export interface BodyTemplate {
  parts: string[]
  /** The blocks whose JSON is made at read time, by position. */
  live: Map<number, BlockInput>
}

/** The stored template, or undefined when there is none (a row written before it) or it is of another format. */
export function parseTemplate(stored: string | null | undefined): BodyTemplate | undefined {
  if (typeof stored !== 'string' || !stored.startsWith(VERSION)) return undefined
  const parts = stored.split(SEP)
  if (parts[0] !== VERSION || (parts.length - 1) % 3 !== 0) return undefined
  const live = new Map<number, BlockInput>()
  for (let i = 1; i < parts.length; i += 3) {
    const part = parts[i] as string
    if (part.startsWith(LIVE)) live.set((i - 1) / 3, JSON.parse(part.slice(1)) as BlockInput)
  }
  return { parts, live }
}

/**
 * The body's JSON for this reading: `{"blocks":[…],"html":"…","text":"…"}` as `renderBody`, `absoluteLinks` and
 * `presentBlock` would make it. A live block that resolves to nothing (an article not visible now) leaves the HTML
 * and the text, as there.
 */
export function assembleBody(template: BodyTemplate, resolver: Resolver, site: Site): string {
  const { parts, live } = template
  const blocks: string[] = []
  const html: string[] = []
  const text: string[] = []
  for (let i = 1, n = 0; i < parts.length; i += 3, n++) {
    const input = live.get(n)
    blocks.push(
      input === undefined ? (parts[i] as string) : serializeBlock(presentBlock(input, resolver, site)),
    )
    const ownHtml = parts[i + 1] as string
    if (ownHtml === LIVE) {
      const rendered = input === undefined ? null : renderBlock(input, resolver)
      if (rendered === null) continue
      html.push(escaped(rendered.html))
      if (rendered.text.length > 0) text.push(escaped(rendered.text))
      continue
    }
    html.push(ownHtml)
    const ownText = parts[i + 2] as string
    if (ownText.length > 0) text.push(ownText)
  }
  return `{"blocks":[${blocks.join(',')}],"html":"${absoluteLinksEscaped(html.join('\\n'), site.url)}","text":"${text.join('\\n\\n')}"}`
}

/**
 * `absoluteLinks` on HTML that is already a JSON string's content: the same attributes found (a quote is `\"`
 * there, and every other character is itself or a whole escape), each value made absolute by `absoluteLinks`
 * itself and escaped again.
 */
export function absoluteLinksEscaped(html: string, base: string): string {
  if (!html.includes('=\\"')) return html
  return html.replace(/ (href|src)=\\"((?:[^"\\]|\\[^"])*)\\"/g, (_whole, attribute: string, value: string) =>
    escaped(absoluteLinks(` ${attribute}="${JSON.parse(`"${value}"`) as string}"`, base)),
  )
}
