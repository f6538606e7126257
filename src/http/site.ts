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
  site.url +
  site.paths[kind].replace(/\{(slug|id)\}/g, (_, name: 'slug' | 'id') => encodeURIComponent(resource[name]))
