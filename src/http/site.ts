/**
 * Where each kind of resource lives on the public website: `SITE_URL` plus a path template per kind, in which
 * `{slug}` and `{id}` are replaced. API paths (`links.self`) stay relative; website URLs (`links.canonical`,
 * every link inside `body.html`) are absolute, so they work in a partner's copy too.
 */
import type { ImageSettings } from './images.js'

export const SITE_KINDS = ['article', 'topic', 'author', 'factTable'] as const
export type SiteKind = (typeof SITE_KINDS)[number]

export interface Site {
  /** Absolute base of the website, without a trailing slash. */
  url: string
  paths: Record<SiteKind, string>
  /** The image CDN the website resizes images with. */
  images: ImageSettings
}

export const DEFAULT_SITE_PATHS: Record<SiteKind, string> = {
  article: '/articles/{slug}',
  topic: '/topics/{slug}',
  author: '/authors/{slug}',
  factTable: '/fact-tables/{slug}',
}

/** The environment variable of each kind's template. */
export const SITE_PATH_VARIABLES: Record<SiteKind, string> = {
  article: 'SITE_ARTICLE_PATH',
  topic: 'SITE_TOPIC_PATH',
  author: 'SITE_AUTHOR_PATH',
  factTable: 'SITE_FACT_TABLE_PATH',
}

/** A template starts with `/`, names `{slug}` or `{id}`, and has no other placeholder or whitespace. */
export const isPathTemplate = (raw: string) =>
  /^\/[^\s?#]*$/.test(raw) &&
  /\{(slug|id)\}/.test(raw) &&
  raw.replace(/\{(slug|id)\}/g, '').search(/[{}]/) === -1

/** The feeds of one topic's or author's newest articles (API paths). */
export const feedLinks = (filter: 'topic' | 'author', slug: string) => ({
  rss: `/v1/feeds/rss?${filter}=${slug}`,
  atom: `/v1/feeds/atom?${filter}=${slug}`,
  json: `/v1/feeds/json?${filter}=${slug}`,
})

export const siteUrlOf = (site: Site, kind: SiteKind, resource: { slug: string; id: string }) =>
  site.url + pathOf(site.paths[kind])(resource)

/** A slug or id that needs no percent-encoding (every slug and id the API makes or accepts). */
const PLAIN = /^[A-Za-z0-9-]*$/

type UrlJsonOf = (resource: { slug: string; id: string }) => string
const jsonTemplates = new WeakMap<Site, Partial<Record<SiteKind, UrlJsonOf>>>()

/**
 * `JSON.stringify(siteUrlOf(…))`, with the site's URL and the template escaped once: a summary in every list
 * writes its canonical URL, and escaping it each time cost more than the rest of the join.
 */
export function siteUrlJson(site: Site, kind: SiteKind, resource: { slug: string; id: string }): string {
  let compiled = jsonTemplates.get(site)
  if (compiled === undefined) {
    compiled = {}
    jsonTemplates.set(site, compiled)
  }
  let of = compiled[kind]
  if (of === undefined) {
    const pieces = site.paths[kind].split(/\{(slug|id)\}/) as string[]
    // Percent-encoded values are ASCII without quotes or backslashes: only the fixed pieces need escaping.
    const fixed = pieces.map((piece, i) =>
      i % 2 === 1 ? piece : JSON.stringify(i === 0 ? site.url + piece : piece).slice(1, -1),
    )
    of = (resource) => {
      let out = `"${fixed[0] as string}`
      for (let i = 1; i < fixed.length; i += 2) {
        const value = resource[fixed[i] as 'slug' | 'id']
        out += (PLAIN.test(value) ? value : encodeURIComponent(value)) + (fixed[i + 1] as string)
      }
      return `${out}"`
    }
    compiled[kind] = of
  }
  return of(resource)
}

type PathOf = (resource: { slug: string; id: string }) => string
/** Each path template split once at its placeholders: a summary in every list asks for its URL. */
const compiled = new Map<string, PathOf>()
function pathOf(template: string): PathOf {
  let path = compiled.get(template)
  if (path === undefined) {
    const pieces = template.split(/\{(slug|id)\}/) as string[]
    path = (resource) => {
      let out = pieces[0] as string
      for (let i = 1; i < pieces.length; i += 2)
        out += encodeURIComponent(resource[pieces[i] as 'slug' | 'id']) + (pieces[i + 1] as string)
      return out
    }
    // Templates come from configuration: a handful per process.
    if (compiled.size < 100) compiled.set(template, path)
  }
  return path
}
