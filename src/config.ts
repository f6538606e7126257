/**
 * The only place that reads the environment. `loadConfig` is pure: give it an env object, get a validated
 * config or a ConfigError that names every bad variable.
 */
import { isIP } from 'node:net'
import type { DatabaseConfig } from './db/client.js'
import { DEFAULT_IMAGE_WIDTHS, isImageTemplate } from './http/images.js'
import {
  DEFAULT_SITE_PATHS,
  isPathTemplate,
  SITE_KINDS,
  SITE_PATH_VARIABLES,
  type Site,
} from './http/site.js'
import { DEFAULT_TIERS, parseTiers, type Tiers } from './partners/limits.js'

export interface Config {
  port: number
  host: string
  /** SQLite (a file, or ':memory:') or PostgreSQL (a primary URL, replica URLs, pool settings). */
  database: DatabaseConfig
  /** Shared short-lived state and cross-instance messages; undefined: each instance keeps its own. */
  redisUrl: string | undefined
  /** Prefix of every Redis key and channel, so several newsrooms can share one Redis. */
  redisPrefix: string
  demoData: boolean
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** An access line for every request ("incoming request", "request completed"). */
  logRequests: boolean
  /** The public website: its base URL and where articles, topics, authors and fact tables live on it. */
  site: Site
  /** Where partners reach this API (feeds' self links); the API's own address by default. */
  publicApiUrl: string
  /** False when SITE_URL was not set: canonical links then point at a placeholder host. */
  siteConfigured: boolean
  /** Largest accepted request body, in bytes. */
  bodyLimit: number
  /** How long SIGTERM waits for in-flight requests before closing anyway. */
  shutdownTimeoutMs: number
  /** How often buffered view counts are written to the database. */
  viewsFlushIntervalMs: number
  /** Beacons one client may send per minute before it is answered 429. */
  viewsRateLimitPerMinute: number
  /**
   * Which proxies may vouch for the client address in X-Forwarded-For: `false` (none: the socket's address),
   * a hop count (the nearest N proxies), or their addresses and CIDR ranges. Never "every hop".
   */
  trustProxy: false | number | string[]
  /** Views one client address may add to one article's count per UTC hour, whatever its user agents. */
  viewsPerAddressHourly: number
  /** Most visitor-article pairs (and address-article counters) the view counter remembers at once. */
  viewsMemoryEntries: number
  /** Public reads: browser lifetime, shared-cache lifetime, and the stale allowances, in seconds. */
  cacheMaxAge: number
  cacheSharedMaxAge: number
  cacheStaleWhileRevalidate: number
  cacheStaleIfError: number
  /** Memory for the in-process response cache, in bytes; 0 turns it off. */
  responseCacheBytes: number
  /**
   * How far V8 lets the heap grow past its live data after each full collection, in percent (0: V8's own rule).
   * V8's own lets a busy server's heap reach about four times its live data; 50 keeps it near 1.5 times.
   */
  heapGrowthPercent: number
  /** Relevance order over a search matching more articles than this ranks the newest this-many of them. */
  searchRankWindow: number
  /** Partner keys' tiers (requests per minute and per day) and the tier of a key that names none or an unknown one. */
  partnerTiers: Tiers
  partnerDefaultTier: string
  /** Where purges go: nowhere, the log, or POSTed to a URL. */
  purger: { kind: 'none' } | { kind: 'log' } | { kind: 'http'; url: string }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`)
    this.name = 'ConfigError'
  }
}

/** Outside development the demo newsroom is opt-in: a production database must never get made-up content. */
const DEVELOPMENT_ENVS = new Set([undefined, '', 'development', 'test'])

/** Where canonical links point until SITE_URL is set: a reserved name, never the API's own address. */
export const PLACEHOLDER_SITE = 'https://www.newsdesk.example'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

type Env = Record<string, string | undefined>

export function loadConfig(env: Env = {}): Config {
  const problems: string[] = []
  const read = <T>(name: string, fallback: T, parse: (raw: string) => T | undefined, expected: string): T => {
    const raw = env[name]
    if (raw === undefined || raw === '') return fallback
    const value = parse(raw)
    if (value === undefined) {
      problems.push(`${name}=${JSON.stringify(raw)} is not valid: expected ${expected}`)
      return fallback
    }
    return value
  }
  const integer = (min: number, max: number) => (raw: string) => {
    const n = Number(raw)
    return /^\d+$/.test(raw) && n >= min && n <= max ? n : undefined
  }
  const boolean = (raw: string) =>
    ['true', '1', 'yes'].includes(raw.toLowerCase())
      ? true
      : ['false', '0', 'no'].includes(raw.toLowerCase())
        ? false
        : undefined
  const url = (raw: string) => {
    try {
      const u = new URL(raw)
      return u.protocol === 'http:' || u.protocol === 'https:' ? raw.replace(/\/+$/, '') : undefined
    } catch {
      return undefined
    }
  }

  const config: Config = {
    port: read('PORT', 3000, integer(0, 65535), 'a port number 0-65535'),
    host: read('HOST', '0.0.0.0', (raw) => raw, 'a host name or address'),
    database: { engine: 'sqlite', path: './data/newsdesk.db', busyTimeoutMs: 5_000 },
    redisPrefix: read(
      'REDIS_PREFIX',
      'newsdesk',
      (raw) => (/^[A-Za-z0-9_.-]{1,64}$/.test(raw) ? raw : undefined),
      'letters, digits, _ . - (up to 64)',
    ),
    redisUrl: read(
      'REDIS_URL',
      undefined,
      (raw) => (/^rediss?:\/\/[^\s]+$/.test(raw) ? raw : undefined),
      'redis://HOST:PORT[/DB] or rediss://…',
    ),
    demoData: read('DEMO_DATA', DEVELOPMENT_ENVS.has(env.NODE_ENV), boolean, 'true or false'),
    logLevel: read(
      'LOG_LEVEL',
      'info',
      (raw) => LOG_LEVELS.find((level) => level === raw),
      LOG_LEVELS.join(', '),
    ),
    logRequests: read('LOG_REQUESTS', false, boolean, 'true or false'),
    site: {
      url: read('SITE_URL', PLACEHOLDER_SITE, url, 'an http(s) URL'),
      paths: Object.fromEntries(
        SITE_KINDS.map((kind) => [
          kind,
          read(
            SITE_PATH_VARIABLES[kind],
            DEFAULT_SITE_PATHS[kind],
            (raw) => (isPathTemplate(raw) ? raw : undefined),
            'a path starting with / that contains {slug} or {id}, e.g. /news/{slug}',
          ),
        ]),
      ) as Site['paths'],
      images: {
        template: read(
          'IMAGE_URL_TEMPLATE',
          undefined,
          (raw) => (isImageTemplate(raw) ? raw : undefined),
          'an http(s) URL naming {width} and {url} or {path}, e.g. https://images.example/{path}?w={width}',
        ),
        widths: read(
          'IMAGE_WIDTHS',
          DEFAULT_IMAGE_WIDTHS,
          (raw) => {
            const widths = raw.split(',').map((w) => Number(w.trim()))
            return widths.length <= 20 && widths.every((w) => Number.isInteger(w) && w >= 16 && w <= 10_000)
              ? [...new Set(widths)].sort((a, b) => a - b)
              : undefined
          },
          'up to 20 comma-separated pixel widths 16-10000, e.g. 320,640,1280',
        ),
      },
    },
    siteConfigured: Boolean(env.SITE_URL),
    publicApiUrl: read('PUBLIC_API_URL', `http://localhost:${env.PORT || 3000}`, url, 'an http(s) URL'),
    bodyLimit: read(
      'BODY_LIMIT',
      1_048_576,
      integer(1024, 100 * 1_048_576),
      'bytes between 1024 and 100 MiB',
    ),
    shutdownTimeoutMs: read('SHUTDOWN_TIMEOUT_MS', 10_000, integer(0, 600_000), 'milliseconds up to 600000'),
    viewsFlushIntervalMs: read(
      'VIEWS_FLUSH_INTERVAL_MS',
      5_000,
      integer(100, 3_600_000),
      'milliseconds 100-3600000',
    ),
    viewsRateLimitPerMinute: read(
      'VIEWS_RATE_LIMIT',
      120,
      integer(1, 1_000_000_000),
      'a positive whole number',
    ),
    trustProxy: read(
      'TRUST_PROXY',
      false,
      parseTrustProxy,
      'false, the number of proxies in front (e.g. 1), or their addresses/CIDRs separated by commas; "true" would let any client forge its address',
    ),
    viewsPerAddressHourly: read(
      'VIEWS_PER_ADDRESS_HOURLY',
      60,
      integer(1, 1_000_000_000),
      'a positive whole number',
    ),
    viewsMemoryEntries: read(
      'VIEWS_MEMORY_ENTRIES',
      1_000_000,
      integer(1_000, 10_000_000),
      'a whole number 1000-10000000',
    ),
    cacheMaxAge: read('CACHE_MAX_AGE', 60, integer(0, 31_536_000), 'seconds'),
    cacheSharedMaxAge: read('CACHE_SHARED_MAX_AGE', 300, integer(0, 31_536_000), 'seconds'),
    cacheStaleWhileRevalidate: read('CACHE_STALE_WHILE_REVALIDATE', 300, integer(0, 31_536_000), 'seconds'),
    cacheStaleIfError: read('CACHE_STALE_IF_ERROR', 86_400, integer(0, 31_536_000), 'seconds'),
    responseCacheBytes:
      read('RESPONSE_CACHE_MB', 64, integer(0, 65_536), 'megabytes, 0 to turn the cache off') * 1_048_576,
    heapGrowthPercent: read('HEAP_GROWTH_PERCENT', 50, integer(0, 1_000), "percent 0-1000, 0 for V8's own"),
    searchRankWindow: read('SEARCH_RANK_WINDOW', 500, integer(1, 100_000), 'a whole number 1-100000'),
    partnerTiers: read(
      'PARTNER_TIERS',
      DEFAULT_TIERS,
      parseTiers,
      'name=PER_MINUTE/PER_DAY pairs, comma-separated, e.g. developer=60/5000,commercial=600/500000',
    ),
    partnerDefaultTier: read('PARTNER_DEFAULT_TIER', '', (raw) => raw, 'a tier name'),
    purger: read(
      'PURGER',
      { kind: 'none' },
      (raw) =>
        raw === 'none' || raw === 'log'
          ? { kind: raw }
          : url(raw) === undefined
            ? undefined
            : { kind: 'http', url: raw },
      'none, log, or the http(s) URL that takes {"keys": [...]}',
    ),
  }
  const databaseUrl = env.DATABASE_URL || 'file:./data/newsdesk.db'
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    const postgresUrl = (raw: string) =>
      /^postgres(ql)?:\/\/[^\s]+$/i.test(raw) && URL.canParse(raw) ? raw : undefined
    const replicas = read(
      'DATABASE_REPLICA_URLS',
      [] as string[],
      (raw) => {
        const urls = raw
          .split(',')
          .map((u) => u.trim())
          .filter(Boolean)
        return urls.every((u) => postgresUrl(u) !== undefined) ? urls : undefined
      },
      'comma-separated postgres:// URLs',
    )
    config.database = {
      engine: 'postgres',
      url:
        postgresUrl(databaseUrl) ??
        (problems.push(`DATABASE_URL is not a valid postgres:// URL`), databaseUrl),
      replicaUrls: replicas,
      poolSize: read('DATABASE_POOL_SIZE', 10, integer(1, 1000), 'connections per instance, 1-1000'),
      statementTimeoutMs: read(
        'DATABASE_STATEMENT_TIMEOUT_MS',
        10_000,
        integer(100, 3_600_000),
        'milliseconds 100-3600000',
      ),
      connectTimeoutMs: read(
        'DATABASE_CONNECT_TIMEOUT_MS',
        5_000,
        integer(100, 600_000),
        'milliseconds 100-600000',
      ),
    }
    const schema = read(
      'DATABASE_SCHEMA',
      undefined,
      (raw) => (/^[a-z_][a-z0-9_]{0,62}$/.test(raw) ? raw : undefined),
      'a lowercase schema name',
    )
    if (schema !== undefined) config.database.schema = schema
  } else {
    if (env.DATABASE_REPLICA_URLS) problems.push('DATABASE_REPLICA_URLS needs a postgres:// DATABASE_URL')
    config.database = {
      engine: 'sqlite',
      path: read(
        'DATABASE_URL',
        './data/newsdesk.db',
        parseDatabaseUrl,
        'file:PATH, file::memory: or postgres://…',
      ),
      busyTimeoutMs: read(
        'DATABASE_BUSY_TIMEOUT_MS',
        5_000,
        integer(0, 600_000),
        'milliseconds up to 600000',
      ),
    }
  }
  // Unset: `developer` when there is such a tier, else the first one listed.
  config.partnerDefaultTier ||=
    config.partnerTiers.developer === undefined ? (Object.keys(config.partnerTiers)[0] ?? '') : 'developer'
  if (config.partnerTiers[config.partnerDefaultTier] === undefined)
    problems.push(
      `PARTNER_DEFAULT_TIER=${JSON.stringify(config.partnerDefaultTier)} is not one of PARTNER_TIERS`,
    )
  if (problems.length > 0) throw new ConfigError(problems)
  return config
}

/** `false`/`0`, a hop count 1-32, or a comma-separated list of IP addresses and CIDR ranges. */
function parseTrustProxy(raw: string): false | number | string[] | undefined {
  const value = raw.trim().toLowerCase()
  if (value === 'false' || value === 'no' || value === '0') return false
  if (/^\d+$/.test(value)) return Number(value) <= 32 ? Number(value) : undefined
  const entries = value.split(',').map((entry) => entry.trim())
  return entries.length > 0 && entries.every(isAddressOrRange) ? entries : undefined
}

function isAddressOrRange(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/')
  const family = isIP(address)
  if (family === 0 || rest.length > 0) return false
  if (prefix === undefined) return true
  const bits = Number(prefix)
  return /^\d+$/.test(prefix) && bits <= (family === 4 ? 32 : 128)
}

/** `file:./data/newsdesk.db`, `file:/abs/path.db`, `file::memory:` or a bare path. */
function parseDatabaseUrl(raw: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return undefined // other engines' URLs
  const path = raw.startsWith('file:') ? raw.slice('file:'.length) : raw
  return path.length > 0 ? path : undefined
}
