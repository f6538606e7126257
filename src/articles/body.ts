/**
 * Article bodies: blocks are what editors write; `html` and `text` are rendered here. Inline HTML is checked
 * against an allow-list (anything else is a 400 naming the block) and then sanitised with the same list, so
 * nothing outside it can reach a reader even if the check were wrong.
 */
import sanitizeHtml from 'sanitize-html'
import type { StoredParts } from '../db/tables/content.js'
import type { FieldError } from '../http/errors.js'
import type { BlockInput } from './schemas.js'

const INLINE_TAGS = ['a', 'em', 'strong', 'b', 'i', 'sup', 'sub', 'br']
const ALLOWED_ATTRIBUTES: Record<string, string[]> = { a: ['href', 'title'] }
const ALLOWED_SCHEMES = ['http', 'https', 'mailto']

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: INLINE_TAGS,
  allowedAttributes: ALLOWED_ATTRIBUTES,
  allowedSchemes: ALLOWED_SCHEMES,
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
}

function hrefIsSafe(href: string): boolean {
  // Browsers ignore control characters and whitespace inside a scheme: `java\tscript:` still runs.
  const compact = [...href]
    .filter((c) => c.charCodeAt(0) > 0x20 && c.charCodeAt(0) !== 0x7f)
    .join('')
    .toLowerCase()
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(compact)?.[1]
  if (scheme === undefined) return !compact.startsWith('//')
  return ALLOWED_SCHEMES.includes(scheme)
}

/** What in `html` falls outside the allow-list, as human-readable findings (empty when clean). */
export function disallowedMarkup(html: string): string[] {
  const findings = new Set<string>()
  sanitizeHtml(html, {
    ...SANITIZE_OPTIONS,
    onOpenTag: (name, attribs) => {
      if (!INLINE_TAGS.includes(name)) {
        findings.add(`<${name}> is not allowed`)
        return
      }
      for (const [attr, value] of Object.entries(attribs)) {
        if (!ALLOWED_ATTRIBUTES[name]?.includes(attr))
          findings.add(`attribute ${attr} on <${name}> is not allowed`)
        else if (attr === 'href' && !hrefIsSafe(value))
          findings.add(`link target ${JSON.stringify(value)} is not allowed`)
      }
    },
  })
  if (/<!--/.test(html)) findings.add('HTML comments are not allowed')
  return [...findings]
}

export const sanitizeInline = (html: string) => sanitizeHtml(html, SANITIZE_OPTIONS)

/** Checks every HTML-bearing field of every block; returns field errors with their paths. */
export function checkBlocks(blocks: BlockInput[], basePath: string): FieldError[] {
  const errors: FieldError[] = []
  const check = (html: string, path: string) => {
    for (const message of disallowedMarkup(html)) errors.push({ path, message })
  }
  blocks.forEach((block, i) => {
    const path = `${basePath}/${i}`
    if (block.type === 'paragraph' || block.type === 'quote') check(block.html, `${path}/html`)
    if (block.type === 'list') {
      block.items.forEach((item, j) => {
        check(item, `${path}/items/${j}`)
      })
    }
  })
  return errors
}

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

const htmlToText = (html: string) =>
  sanitizeHtml(html.replace(/<br\s*\/?>/gi, '\n'), { allowedTags: [], allowedAttributes: {} })
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')

/** What a `related` or `factTable` block points to, resolved at read time. */
export interface LinkTarget {
  title: string
  /** Where the rendered HTML links to: the page on the website. */
  href: string
}

/** The parts of a fact table (as `GET /v1/fact-tables/{slug}` answers it) that a body shows. */
export interface TableToRender {
  title: string
  groups: {
    metric: { name: string }
    subject: { name: string } | null
    category: string
    claims: {
      claimant: { name: string }
      value: { display: string }
      asOf: string
      asOfPrecision: string
    }[]
  }[]
}

export interface Resolver {
  article(id: string): LinkTarget | null
  /** With `table`, the block renders as the table itself; without, as a link to it. */
  factTable(slug: string): (LinkTarget & { table?: TableToRender }) | null
}

/** An as-of time as precise as it is known: `2022-09-20` for a day, `2022-09` for a month. */
function asOfText(asOf: string, precision: string): string {
  const length = { year: 4, month: 7, day: 10, hour: 13, minute: 16 }[precision] ?? 10
  const text = asOf.slice(0, length)
  return length > 10 ? `${text.replace('T', ' ')}${length === 13 ? ':00' : ''} UTC` : text
}

/**
 * A fact table as an accessible HTML table: a caption, one row per claim (the figure it is about as the row
 * header, the claimed value with its qualifier, who claims it, as of when) and a link to the full table, its
 * sources and history on the website. The text form carries the same rows.
 */
function renderTable(table: TableToRender, href: string, slug: string): Rendered {
  const rows: string[] = []
  const lines: string[] = [table.title]
  for (const group of table.groups) {
    const about = [group.metric.name, group.subject?.name, group.category === 'all' ? null : group.category]
      .filter((part): part is string => Boolean(part))
      .join(', ')
    for (const claim of group.claims) {
      const asOf = asOfText(claim.asOf, claim.asOfPrecision)
      rows.push(
        `<tr><th scope="row">${escapeHtml(about)}</th><td>${escapeHtml(claim.value.display)}</td><td>${escapeHtml(claim.claimant.name)}</td><td><time datetime="${escapeHtml(claim.asOf)}">${escapeHtml(asOf)}</time></td></tr>`,
      )
      lines.push(`- ${about}: ${claim.value.display} (claimed by ${claim.claimant.name}, as of ${asOf})`)
    }
  }
  lines.push(`Full table, sources and history: ${href}`)
  const head =
    '<thead><tr><th scope="col">Figure</th><th scope="col">Claimed</th><th scope="col">Claimed by</th><th scope="col">As of</th></tr></thead>'
  return {
    html: `<figure class="fact-table" data-fact-table="${escapeHtml(slug)}"><table><caption>${escapeHtml(table.title)}</caption>${head}<tbody>${rows.join('')}</tbody></table><figcaption><a href="${escapeHtml(href)}">Full table, sources and history</a></figcaption></figure>`,
    text: lines.join('\n'),
  }
}

export interface Rendered {
  html: string
  text: string
}

export function renderBlock(block: BlockInput, resolve: Resolver): Rendered | null {
  switch (block.type) {
    case 'paragraph': {
      const html = sanitizeInline(block.html)
      return { html: `<p>${html}</p>`, text: htmlToText(html) }
    }
    case 'heading':
      return { html: `<h${block.level}>${escapeHtml(block.text)}</h${block.level}>`, text: block.text }
    case 'quote': {
      const html = sanitizeInline(block.html)
      const cite = block.attribution ? `<footer>${escapeHtml(block.attribution)}</footer>` : ''
      const text = htmlToText(html) + (block.attribution ? ` (${block.attribution})` : '')
      return { html: `<blockquote><p>${html}</p>${cite}</blockquote>`, text }
    }
    case 'image': {
      const parts = [block.caption, block.credit].filter((p): p is string => Boolean(p))
      const caption = parts.length ? `<figcaption>${parts.map(escapeHtml).join(' ')}</figcaption>` : ''
      return {
        html: `<figure><img src="${escapeHtml(block.url)}" alt="${escapeHtml(block.alt)}"${block.width ? ` width="${block.width}" height="${block.height}"` : ''}>${caption}</figure>`,
        text: '',
      }
    }
    case 'list': {
      const tag = block.ordered ? 'ol' : 'ul'
      const items = block.items.map(sanitizeInline)
      return {
        html: `<${tag}>${items.map((i) => `<li>${i}</li>`).join('')}</${tag}>`,
        text: items.map((i) => `- ${htmlToText(i)}`).join('\n'),
      }
    }
    case 'embed':
      return {
        html: `<figure class="embed" data-provider="${escapeHtml(block.provider)}"><a href="${escapeHtml(block.url)}">${escapeHtml(block.url)}</a></figure>`,
        text: '',
      }
    case 'related': {
      const target = resolve.article(block.article)
      if (target === null) return null
      const label = escapeHtml(block.label ?? 'Read more')
      return {
        html: `<aside class="related"><p>${label}: <a href="${escapeHtml(target.href)}">${escapeHtml(target.title)}</a></p></aside>`,
        text: '',
      }
    }
    case 'factTable': {
      const target = resolve.factTable(block.factTable)
      if (target === null) return null
      if (target.table) return renderTable(target.table, target.href, block.factTable)
      return {
        html: `<aside class="fact-table" data-fact-table="${escapeHtml(block.factTable)}"><a href="${escapeHtml(target.href)}">${escapeHtml(target.title)}</a></aside>`,
        text: '',
      }
    }
    case 'audio': {
      const title = block.title ? `<figcaption>${escapeHtml(block.title)}</figcaption>` : ''
      return {
        html: `<figure class="audio"><audio controls src="${escapeHtml(block.url)}"></audio>${title}</figure>`,
        text: '',
      }
    }
  }
}

/**
 * Renders a body. `prepared` holds the renderings of the blocks that depend on nothing else (see `staticRenders`),
 * so that only the live ones (related articles, fact tables) are rendered again.
 */
export function renderBody(
  blocks: BlockInput[],
  resolve: Resolver,
  prepared?: readonly (Rendered | undefined)[],
): Rendered {
  const rendered = blocks
    .map((block, i) => prepared?.[i] ?? renderBlock(block, resolve))
    .filter((r): r is Rendered => r !== null)
  return {
    html: rendered.map((r) => r.html).join('\n'),
    text: rendered
      .map((r) => r.text)
      .filter((t) => t.length > 0)
      .join('\n\n'),
  }
}

export const isLive = (block: BlockInput) => block.type === 'related' || block.type === 'factTable'

/**
 * Blocks whose output depends on other resources, so the stored rendering may be out of date. Only fact tables
 * add text (their rows), and they are not counted in `wordCount`, which counts the article's own prose.
 */
export const hasLiveBlocks = (blocks: BlockInput[]) => blocks.some(isLive)

const NO_LINKS: Resolver = { article: () => null, factTable: () => null }

/** The renderings of the blocks that depend on nothing else (sanitised once); undefined for live blocks. */
export const staticRenders = (blocks: BlockInput[]): (Rendered | undefined)[] =>
  blocks.map((block) => (isLive(block) ? undefined : (renderBlock(block, NO_LINKS) ?? undefined)))

/** `staticRenders` as the `body_parts` column keeps them. */
export const storedParts = (renders: readonly (Rendered | undefined)[]): StoredParts =>
  renders.map((r) => (r === undefined ? null : [r.html, r.text]))

/** The stored parts back as renderings; undefined when they are missing or do not match the blocks. */
export function partsOf(parts: unknown, blocks: BlockInput[]): (Rendered | undefined)[] | undefined {
  if (!Array.isArray(parts) || parts.length !== blocks.length) return undefined
  return parts.map((p, i) =>
    Array.isArray(p) && !isLive(blocks[i] as BlockInput)
      ? { html: String(p[0]), text: String(p[1]) }
      : undefined,
  )
}

/**
 * Every link in rendered HTML made absolute against the website, so a body works on the website's domain, in an
 * app and in a partner's copy. Editors may write relative links (`/about`); fragments (`#notes`) stay as they are.
 * The sanitiser writes every attribute in double quotes, which is what this reads.
 */
export function absoluteLinks(html: string, base: string): string {
  if (!html.includes('="')) return html
  return html.replace(/ (href|src)="([^"]*)"/g, (whole, attribute: string, value: string) => {
    if (value.startsWith('#') || /^[a-z][a-z0-9+.-]*:/i.test(value)) return whole
    try {
      return ` ${attribute}="${new URL(value, `${base}/`).href}"`
    } catch {
      return whole
    }
  })
}

export const countWords = (text: string) => (text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? []).length

/** 230 words a minute, the common figure for adult readers of news prose; never less than a minute. */
export const readingTimeMinutes = (words: number) => Math.max(1, Math.ceil(words / 230))

export function excerptOf(standfirst: string | null | undefined, text: string, max = 280): string {
  const source = (standfirst?.trim() || text).replace(/\s+/g, ' ').trim()
  if (source.length <= max) return source
  const cut = source.slice(0, max)
  const lastSpace = cut.lastIndexOf(' ')
  return `${cut.slice(0, lastSpace > max / 2 ? lastSpace : max).trimEnd()}…`
}
