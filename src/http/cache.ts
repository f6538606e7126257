/**
 * HTTP caching for public reads, in the manner of the Guardian and Arc XP:
 *
 * - Every public GET answers with a strong ETag (a hash of the bytes) and `If-None-Match` gets a 304.
 * - `Cache-Control` gives browsers a short lifetime and shared caches a longer one, with `stale-while-revalidate` and
 *   `stale-if-error`; anything read with a token is `private, no-store`.
 * - Every public response names the resources in it in `Surrogate-Key` and `Cache-Tag` (`article:<id>`,
 *   `topic:<id>`, `articles`, …). Stores add the keys as they read (see `CacheTags`).
 * - Writes publish exactly the keys they change on an invalidation bus. Subscribers: the in-process response cache
 *   here, and a purger that tells the CDN. The bus's transport is in-process for now; another instance's bus can be
 *   plugged in later without touching features.
 * - The response cache keeps serialised responses (and their gzip and brotli forms, each made once) within a memory
 *   budget, least recently used first out, and admits a newcomer that would push others out only if it is asked
 *   for more often than they are. A hit costs no query, no serialisation and no compression. Scheduled
 *   articles become visible without a write: entries never outlive the next scheduled publication time, and at that
 *   time the keys of the articles that went live are published like a write's.
 */
import { createHash, randomInt } from 'node:crypto'
import type {
  IncomingHttpHeaders,
  IncomingMessage,
  OutgoingHttpHeader,
  OutgoingHttpHeaders,
  ServerResponse,
} from 'node:http'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyRequest {
    /** The resources a public read's response contains, or null for reads with a token (never cached). */
    cacheTags: CacheTags | null
  }
  interface FastifyInstance {
    /** Publishes the keys a write changed: the response cache drops them and the purger tells the CDN. */
    /** Publishes the keys; the promise settles once the next scheduled publication time has been looked up again. */
    invalidate(keys: Iterable<string>): Promise<void>
  }
}

/** Where stores record what a response contains. */
/** The keys of a response; an entry may hold several, separated by spaces (a summary's, stored with it). */
export type CacheTags = Set<string>

/**
 * Entries of several keys (a summary's authors and topics, stored with it) split once: a list names the same few
 * dozen again and again, and splitting them per response cost more than the rest of its keys. At most 10,000 kept;
 * emptied when full.
 */
const SPLIT_KEYS = 10_000
const splitKeys = new Map<string, string[]>()

/**
 * Each key once, in the order the response's reads recorded them (a list's articles in its order, each with its
 * authors and topics). Not sorted: sorting a list's sixty-odd keys cost as much as the rest of its headers.
 */
const keysOf = (tags: CacheTags) => {
  const keys = new Set<string>()
  for (const tag of tags) {
    if (!tag.includes(' ')) {
      keys.add(tag)
      continue
    }
    let split = splitKeys.get(tag)
    if (split === undefined) {
      split = tag.split(' ').filter((key) => key !== '')
      if (splitKeys.size >= SPLIT_KEYS) splitKeys.clear()
      splitKeys.set(tag, split)
    }
    for (const key of split) keys.add(key)
  }
  return [...keys]
}

export interface CachePolicy {
  /** Browsers: `max-age`. */
  maxAgeSeconds: number
  /** Shared caches (CDN): `s-maxage`. */
  sharedMaxAgeSeconds: number
  staleWhileRevalidateSeconds: number
  staleIfErrorSeconds: number
  /** Memory for the in-process response cache; 0 turns it off. */
  responseCacheBytes: number
}

/** Carries invalidations between whoever writes and whoever caches. */
export interface InvalidationBus {
  publish(keys: string[]): void
  /** `origin` is 'remote' for keys another instance published; `*` among the keys means everything. */
  subscribe(listener: (keys: string[], origin: 'local' | 'remote') => void): void
}

export class LocalBus implements InvalidationBus {
  private readonly listeners: ((keys: string[], origin: 'local' | 'remote') => void)[] = []
  publish(keys: string[]): void {
    for (const listener of this.listeners) listener(keys, 'local')
  }
  subscribe(listener: (keys: string[], origin: 'local' | 'remote') => void): void {
    this.listeners.push(listener)
  }
}

/** Tells shared caches (a CDN) which keys to purge. */
export interface Purger {
  purge(keys: string[]): void
}

export const noPurger: Purger = { purge: () => {} }

export const logPurger = (log: FastifyBaseLogger): Purger => ({
  purge: (keys) => log.info({ keys }, 'purge'),
})

/**
 * POSTs `{ "keys": [...] }` to `url` (a CDN's purge-by-key API, or a small relay in front of one), retrying with
 * backoff; a purge that still fails is logged, and the CDN's own `s-maxage` bounds how long it serves stale.
 */
export function httpPurger(
  url: string,
  log: FastifyBaseLogger,
  options: { attempts?: number; backoffMs?: number; headers?: Record<string, string> } = {},
): Purger {
  const attempts = options.attempts ?? 4
  const backoffMs = options.backoffMs ?? 250
  const send = async (keys: string[]) => {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...options.headers },
          body: JSON.stringify({ keys }),
          signal: AbortSignal.timeout(5_000),
        })
        if (res.ok) return
        if (res.status < 500 && res.status !== 429) {
          log.error({ keys, status: res.status }, 'purge refused')
          return
        }
      } catch (error) {
        if (attempt === attempts) log.error({ err: error, keys }, 'purge failed')
      }
      if (attempt < attempts)
        await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (attempt - 1)))
    }
    log.error({ keys }, 'purge failed after retries')
  }
  return { purge: (keys) => void send(keys) }
}

interface Entry {
  body: Buffer
  /** The hash of the identity bytes; each encoding's ETag is derived from it. */
  hash: string
  contentType: string
  link: string | undefined
  keys: string[]
  /** `Vary`: with `Accept` on routes that answer several media types. */
  vary: string
  gzip?: Buffer
  br?: Buffer
  bytes: number
  /** When it last moved to the back of the recency order, counted in moves (see `ResponseCache.get`). */
  moved: number
  /** The response headers of each encoding, built once. */
  headers?: Partial<Record<'identity' | 'gzip' | 'br' | 'notModified', Record<string, string>>>
  /** The same with the other headers and the length, as `writeHead` takes them: a hit before routing sends these. */
  lines?: Partial<Record<'identity' | 'gzip' | 'br' | 'notModified', OutgoingHttpHeader[]>>
  /** The route's pattern, for metrics of hits answered before routing. */
  route?: string
  /** For responses with a lifetime of their own (Most Popular): when the entry stops being served, and its header. */
  expiresAt?: number
  cacheControl?: string
  /**
   * The response's other headers (CORS, `nosniff`, a download's `Content-Disposition`), request id aside: every
   * hit sends them too.
   */
  otherHeaders: OutgoingHttpHeaders
}

/**
 * How often each URL was asked for lately, in a fixed table of small counters whatever the number of URLs (TinyLFU's
 * count-min sketch: four counters per URL, the smallest is its estimate, at most 15). Every counter is halved after
 * ten lookups per response the cache holds (at least 2,560), so what was popular a while ago yields to what is
 * popular now.
 */
export class FrequencySketch {
  private readonly counters: Uint8Array
  private readonly mask: number
  private additions = 0
  /** A different seed per process: no one can pick URLs that share counters. */
  private readonly seed = randomInt(0x7fffffff)

  constructor(entries: number) {
    let width = 1024
    while (width < entries * 4 && width < 1 << 22) width *= 2
    this.counters = new Uint8Array(width)
    this.mask = width - 1
  }

  /** Two independent 32-bit hashes of the key (FNV-1a from two starting points); the four indexes derive from them. */
  private indexes(key: string): [number, number, number, number] {
    let a = 0x811c9dc5 ^ this.seed
    let b = 0x01000193 ^ (this.seed >>> 3)
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i)
      a = Math.imul(a ^ c, 0x01000193)
      b = Math.imul(b ^ c, 0x5bd1e995)
    }
    b = (b ^ (b >>> 15)) | 1
    const m = this.mask
    return [a & m, (a + b) & m, (a + 2 * b) & m, (a + 3 * b) & m]
  }

  /** One more lookup of `key`, while the cache holds `held` responses. */
  increment(key: string, held: number): void {
    for (const i of this.indexes(key)) {
      const count = this.counters[i] as number
      if (count < 15) this.counters[i] = count + 1
    }
    if (++this.additions >= Math.max(held, 256) * 10) {
      this.additions = 0
      for (let i = 0; i < this.counters.length; i++) this.counters[i] = (this.counters[i] as number) >>> 1
    }
  }

  frequency(key: string): number {
    let least = 15
    for (const i of this.indexes(key)) least = Math.min(least, this.counters[i] as number)
    return least
  }
}

/** How often lately a newcomer must have been asked for to get a chance against entries as popular as it. */
const HOT = 8

/** A typical response's size: the frequency table is sized for the number of such responses the budget holds. */
const AVERAGE_ENTRY_BYTES = 8 * 1024

/**
 * Serialised responses by URL, within a byte budget, least recently used out first. When a new response would push
 * others out, it is kept only if it was asked for more often lately than each one it would push out (TinyLFU
 * admission): readers walking an archive larger than the budget in turn (a crawler, the long tail after a search)
 * then keep part of it cached instead of evicting every entry before it is asked for again, and a burst of one-off
 * reads cannot push out what everyone reads.
 */
export class ResponseCache {
  private readonly entries = new Map<string, Entry>()
  private readonly byKey = new Map<string, Set<string>>()
  private readonly sketch: FrequencySketch
  private bytes = 0
  /** Entries put at the back of the recency order so far (added or moved there by a hit). */
  private moves = 0
  /**
   * `beforeRouting`: the hits among `hits` answered as the request arrived, before Fastify saw it. `rejected`: new
   * responses not kept, as everything they would have pushed out was asked for at least as often.
   */
  readonly stats = { hits: 0, misses: 0, evicted: 0, invalidated: 0, beforeRouting: 0, rejected: 0 }

  constructor(
    readonly budget: number,
    /** Read only for entries that expire. */
    private readonly clock: () => number = Date.now,
  ) {
    this.sketch = new FrequencySketch(Math.ceil(budget / AVERAGE_ENTRY_BYTES))
  }

  /** Bytes held, bodies and compressed forms included. */
  get size(): number {
    return this.bytes
  }

  /** Responses held. */
  get count(): number {
    return this.entries.size
  }

  /**
   * The entry for `url`. Each request is counted once towards its URL's frequency: `countMiss` false for a first
   * look that Fastify's own lookup repeats on a miss.
   */
  get(url: string, countMiss = true): Entry | undefined {
    let entry = this.entries.get(url)
    if (entry?.expiresAt !== undefined && this.clock() >= entry.expiresAt) {
      this.delete(url)
      entry = undefined
    }
    if (entry === undefined) {
      if (countMiss) {
        this.stats.misses++
        this.sketch.increment(url, this.entries.size)
      }
      return undefined
    }
    this.sketch.increment(url, this.entries.size)
    // Map order is recency: move it to the back, unless it is among the quarter moved there last. Deleting and
    // adding the same key again and again costs V8's Map time in proportion to its size (7 µs a hit with 2,500
    // entries): the story everyone reads would pay that on every request.
    if (this.moves - entry.moved > this.entries.size / 4) {
      this.entries.delete(url)
      this.entries.set(url, entry)
      entry.moved = ++this.moves
    }
    this.stats.hits++
    return entry
  }

  set(url: string, fields: Omit<Entry, 'bytes' | 'moved'>): Entry | undefined {
    const entry: Entry = { ...fields, bytes: fields.body.length + url.length + 256, moved: 0 }
    if (entry.bytes > this.budget / 8) return undefined // one response may not crowd out the rest
    const replacing = this.entries.has(url)
    this.delete(url)
    if (!replacing && !this.admits(url, entry.bytes)) {
      this.stats.rejected++
      return undefined
    }
    this.entries.set(url, entry)
    entry.moved = ++this.moves
    for (const key of entry.keys) {
      let urls = this.byKey.get(key)
      if (urls === undefined) {
        urls = new Set()
        this.byKey.set(key, urls)
      }
      urls.add(url)
    }
    this.bytes += entry.bytes
    this.evict()
    return this.entries.get(url)
  }

  /**
   * Room without evicting, or asked for more often than every entry that would go to make room. A newcomer asked
   * for often (8 times or more lately) that loses anyway, to entries as popular as it or once more popular, is let
   * in one time in 4: a story that breaks is cached after a dozen requests, not after the counters of yesterday's
   * stories have been halved.
   */
  private admits(url: string, bytes: number): boolean {
    let over = this.bytes + bytes - this.budget
    if (over <= 0) return true
    const frequency = this.sketch.frequency(url)
    for (const [victimUrl, victim] of this.entries) {
      if (this.sketch.frequency(victimUrl) >= frequency) return frequency >= HOT && Math.random() < 1 / 4
      over -= victim.bytes
      if (over <= 0) return true
    }
    return true
  }

  /** Keeps a compressed form with its entry (made once, on the first request that accepts it). */
  addEncoding(url: string, entry: Entry, encoding: 'gzip' | 'br', body: Buffer): void {
    if (this.entries.get(url) !== entry) return
    entry[encoding] = body
    entry.bytes += body.length
    this.bytes += body.length
    this.evict()
  }

  invalidate(keys: readonly string[]): void {
    if (keys.includes('*')) {
      this.clear()
      return
    }
    for (const key of keys) {
      const urls = this.byKey.get(key)
      if (urls === undefined) continue
      for (const url of [...urls]) {
        this.delete(url)
        this.stats.invalidated++
      }
    }
  }

  clear(): void {
    for (const url of [...this.entries.keys()]) this.delete(url)
  }

  private evict(): void {
    for (const url of this.entries.keys()) {
      if (this.bytes <= this.budget) return
      this.delete(url)
      this.stats.evicted++
    }
  }

  private delete(url: string): void {
    const entry = this.entries.get(url)
    if (entry === undefined) return
    this.entries.delete(url)
    this.bytes -= entry.bytes
    for (const key of entry.keys) {
      const urls = this.byKey.get(key)
      urls?.delete(url)
      if (urls?.size === 0) this.byKey.delete(key)
    }
  }
}

/** When scheduled articles go live, without a write: supplied by the articles feature. */
export interface Schedule {
  /** The next time a scheduled article becomes visible after `now`, or null. */
  next(now: number): Promise<number | null>
  /** The keys of what changed because articles went live in (from, to]. */
  released(from: number, to: number): Promise<string[]>
}

export interface CacheOptions {
  policy: CachePolicy
  /**
   * Hits are answered as the request arrives, before Fastify routes it, with this request id (the app's own
   * `genReqId`). Absent, hits go through Fastify's hooks (requests are logged there, say).
   */
  requestIdOf?: (request: IncomingMessage) => string
  bus: InvalidationBus
  purger: Purger
  schedule: Schedule
  clock: () => number
}

const hashOf = (body: string | Buffer) => createHash('sha256').update(body).digest('base64url').slice(0, 27)

const etagFor = (hash: string, encoding: string | undefined) =>
  encoding === undefined ? `"${hash}"` : `"${hash}-${encoding}"`

/** `If-None-Match` names this representation or another encoding of the same bytes (a 304 sends none of them). */
function matches(header: string | undefined, hash: string): boolean {
  if (header === undefined) return false
  // What a client sends back: the one ETag it was given.
  if (header.length === hash.length + 2 && header === `"${hash}"`) return true
  if (header.trim() === '*') return true
  return header.split(',').some((tag) => {
    const opaque = tag.trim().replace(/^W\//, '')
    return opaque === `"${hash}"` || opaque.startsWith(`"${hash}-`)
  })
}

/** `Accept-Encoding` names the coding with a weight above zero (or none). */
const acceptance = (name: string) =>
  new RegExp(`(^|,)\\s*${name}\\s*(;\\s*q=(?!0(\\.0*)?\\s*(,|$))[0-9.]+)?\\s*(,|$)`, 'i')
const ACCEPTS_BR = acceptance('br')
const ACCEPTS_GZIP = acceptance('gzip')

/** The best encoding the client accepts: brotli, then gzip, else none. */
function encodingFor(accept: string | undefined): 'br' | 'gzip' | undefined {
  if (accept === undefined) return undefined
  if (ACCEPTS_BR.test(accept)) return 'br'
  if (ACCEPTS_GZIP.test(accept)) return 'gzip'
  return undefined
}

/** Responses smaller than this are sent as they are: compressing them saves less than it costs. */
const COMPRESS_MIN_BYTES = 1024

const compress = (body: Buffer, encoding: 'br' | 'gzip') =>
  encoding === 'br'
    ? brotliCompressSync(body, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
      })
    : gzipSync(body, { level: 6 })

const SERVED = Symbol('served from the response cache')

/** The headers an entry builds itself, and those that belong to one request or one connection. */
const NOT_KEPT = new Set([
  'etag',
  'cache-control',
  'vary',
  'surrogate-key',
  'cache-tag',
  'content-type',
  'content-length',
  'content-encoding',
  'link',
  'x-request-id',
  'connection',
])

/** What else a response to be kept says: CORS, `nosniff`, a download's file name. */
const othersOf = (reply: FastifyReply) =>
  Object.fromEntries(
    Object.entries(reply.getHeaders()).filter(([name]) => !NOT_KEPT.has(name)),
  ) as OutgoingHttpHeaders

export const cachePlugin = fp(
  async (app: FastifyInstance, { policy, bus, purger, schedule, clock, requestIdOf }: CacheOptions) => {
    const cache = policy.responseCacheBytes > 0 ? new ResponseCache(policy.responseCacheBytes, clock) : null
    const cacheControl = `public, max-age=${policy.maxAgeSeconds}, s-maxage=${policy.sharedMaxAgeSeconds}, stale-while-revalidate=${policy.staleWhileRevalidateSeconds}, stale-if-error=${policy.staleIfErrorSeconds}`
    app.decorateRequest('cacheTags', null)
    app.decorate('responseCache', cache)
    // A response's bytes are made once, then hashed, kept and sent (hashing the string and then sending it encoded
    // it twice). Responses that keep their own cache (Most Popular) send the same string again and again: the last
    // few are remembered, so such a read neither encodes nor hashes 10 KB per request.
    const recent: { payload: string; body: Buffer; hash: string }[] = []
    const encoded = (payload: string) => {
      for (const seen of recent) if (seen.payload === payload) return seen
      const body = Buffer.from(payload)
      const made = { payload, body, hash: hashOf(body) }
      if (recent.length >= 8) recent.shift()
      recent.push(made)
      return made
    }
    app.decorate('invalidations', bus)

    // Scheduled publications: nothing cached outlives the next one, and when it comes its keys are published.
    let released = clock()
    let nextRelease = (await schedule.next(released)) ?? Number.POSITIVE_INFINITY
    let releasing: Promise<void> | undefined
    // Lookups of the next time can finish out of order (a pool runs them on different connections): only the
    // latest one asked may set it, or an older answer could forget a publication scheduled since.
    let asked = 0
    const refreshNext = () => {
      const mine = ++asked
      return schedule.next(clock()).then(
        (next) => {
          if (mine === asked) nextRelease = next ?? Number.POSITIVE_INFINITY
        },
        (error: unknown) => app.log.warn({ err: error }, 'could not look up the next scheduled publication'),
      )
    }
    const release = () => {
      releasing ??= (async () => {
        const now = clock()
        const keys = await schedule.released(released, now)
        released = now
        const mine = ++asked
        const next = (await schedule.next(now)) ?? Number.POSITIVE_INFINITY
        if (mine === asked) nextRelease = next
        if (keys.length > 0) bus.publish(keys)
        else cache?.clear()
      })().finally(() => {
        releasing = undefined
      })
      return releasing
    }
    // The clock is read only while a publication is scheduled.
    const due = () => nextRelease !== Number.POSITIVE_INFINITY && clock() >= nextRelease
    const timer = setInterval(() => {
      if (due()) void release()
    }, 1_000)
    timer.unref()
    app.addHook('onClose', async () => clearInterval(timer))

    bus.subscribe((keys, origin) => {
      cache?.invalidate(keys)
      // The instance that wrote tells the CDN, once.
      if (origin === 'local') purger.purge(keys)
    })
    app.decorate('invalidate', (keys: Iterable<string>) => {
      const list = [...new Set(keys)]
      if (list.length > 0) bus.publish(list)
      // Any article write may have scheduled (or unscheduled) a publication.
      return refreshNext()
    })

    /**
     * Routes that answer another media type by `Accept` (`config.negotiates`, e.g. ninjs on an article) keep each
     * variant apart, here and in shared caches (`Vary: Accept`).
     */
    const negotiated = (request: FastifyRequest) => {
      const types = (request.routeOptions.config as { negotiates?: string[] } | undefined)?.negotiates
      if (types === undefined) return undefined
      const accept = request.headers.accept ?? ''
      return types.find((type) => accept.includes(type)) ?? ''
    }
    const cacheKey = (request: FastifyRequest) => {
      const variant = negotiated(request)
      return variant ? `${request.url}\n${variant}` : request.url
    }
    const varyOf = (request: FastifyRequest) =>
      negotiated(request) === undefined
        ? 'Authorization, Accept-Encoding'
        : 'Authorization, Accept-Encoding, Accept'

    const publicHeaders = (reply: FastifyReply, keys: readonly string[], hash: string, encoding?: string) =>
      reply.headers({
        etag: etagFor(hash, encoding),
        'cache-control': OWN_LIFETIME.get(reply.request) ?? cacheControl,
        vary: varyOf(reply.request),
        'surrogate-key': keys.join(' '),
        'cache-tag': keys.join(','),
      })

    const headersOf = (entry: Entry, encoding: 'identity' | 'gzip' | 'br' | 'notModified') => {
      entry.headers ??= {}
      let headers = entry.headers[encoding]
      if (headers === undefined) {
        headers = {
          etag: etagFor(
            entry.hash,
            encoding === 'identity' || encoding === 'notModified' ? undefined : encoding,
          ),
          'cache-control': entry.cacheControl ?? cacheControl,
          vary: entry.vary,
          'surrogate-key': entry.keys.join(' '),
          'cache-tag': entry.keys.join(','),
        }
        if (encoding !== 'notModified') {
          headers['content-type'] = entry.contentType
          if (entry.link) headers.link = entry.link
          if (encoding !== 'identity') headers['content-encoding'] = encoding
        }
        entry.headers[encoding] = headers
      }
      return headers
    }

    /** A hit's status, headers and bytes: a 304 for a matching `If-None-Match`, else the best encoding accepted. */
    const answer = (headers: IncomingHttpHeaders, key: string, entry: Entry) => {
      const notModified = matches(headers['if-none-match'], entry.hash)
      let encoding: 'identity' | 'gzip' | 'br' = 'identity'
      let body = entry.body
      if (!notModified && entry.body.length >= COMPRESS_MIN_BYTES) {
        const accepted = encodingFor(headers['accept-encoding'])
        if (accepted !== undefined) {
          let compressed = entry[accepted]
          if (compressed === undefined) {
            compressed = compress(entry.body, accepted)
            cache?.addEncoding(key, entry, accepted, compressed)
          }
          encoding = accepted
          body = compressed
        }
      }
      return notModified
        ? {
            status: 304,
            form: 'notModified' as const,
            headers: headersOf(entry, 'notModified'),
            body: undefined,
          }
        : { status: 200, form: encoding, headers: headersOf(entry, encoding), body }
    }

    /** A hit's header lines, the request id aside: built once per entry and form. */
    const linesOf = (
      entry: Entry,
      form: 'identity' | 'gzip' | 'br' | 'notModified',
      headers: Record<string, string>,
      body: Buffer | undefined,
    ) => {
      entry.lines ??= {}
      let lines = entry.lines[form]
      if (lines === undefined) {
        lines = []
        for (const [name, value] of Object.entries({ ...entry.otherHeaders, ...headers }))
          if (value !== undefined) lines.push(name, value)
        if (body !== undefined) lines.push('content-length', body.length)
        entry.lines[form] = lines
      }
      return lines
    }

    /**
     * A hit is written straight to the socket with headers built once per entry: no serialisation, no hooks after
     * this one (its request is counted in /metrics all the same).
     */
    const serve = (request: FastifyRequest, reply: FastifyReply, entry: Entry) => {
      const { status, headers, body } = answer(request.headers, cacheKey(request), entry)
      reply.hijack()
      reply.raw.writeHead(status, {
        ...(reply.getHeaders() as OutgoingHttpHeaders),
        ...entry.otherHeaders,
        ...headers,
        ...(body === undefined ? {} : { 'content-length': body.length }),
      })
      reply.raw.end(body)
      app.observeResponse?.(
        request.method,
        request.routeOptions.url ?? 'unmatched',
        status,
        reply.elapsedTime / 1000,
      )
    }

    // After authentication (a request with a token never reaches the cache).
    app.addHook('onRequest', (request, reply, done) => {
      // Scheduled publications are released before any read, cached or not (counts are cached too).
      const lookup = () => {
        if (cache === null || request.method !== 'GET' || request.headers.authorization !== undefined)
          return done()
        const entry = cache.get(cacheKey(request))
        if (entry !== undefined) return serve(request, reply, entry)
        done()
      }
      if (due()) release().then(lookup, done)
      else lookup()
    })

    /**
     * Hits answered as the request arrives, before Fastify routes it: the request line and headers are enough to
     * know a public read (a GET without a token) and its key. Everything else (a miss, a token, a release due,
     * shutdown) goes on to Fastify, which answers it as before.
     */
    const negotiatedTypes = new Set<string>()
    app.addHook('onRoute', (route) => {
      for (const type of (route.config as { negotiates?: string[] } | undefined)?.negotiates ?? [])
        negotiatedTypes.add(type)
    })
    const frontKey = (request: IncomingMessage) => {
      const url = request.url as string
      const accept = request.headers.accept
      if (accept !== undefined)
        for (const type of negotiatedTypes) if (accept.includes(type)) return `${url}\n${type}`
      return url
    }
    let frontOpen = requestIdOf !== undefined && cache !== null
    const front = (request: IncomingMessage, response: ServerResponse): boolean => {
      if (
        cache === null ||
        requestIdOf === undefined ||
        !frontOpen ||
        request.method !== 'GET' ||
        request.headers.authorization !== undefined ||
        due()
      )
        return false
      const key = frontKey(request)
      const entry = cache.get(key, false)
      if (entry === undefined) return false
      cache.stats.beforeRouting++
      const started = performance.now()
      const { status, form, headers, body } = answer(request.headers, key, entry)
      response.writeHead(status, [
        'x-request-id',
        requestIdOf(request),
        ...linesOf(entry, form, headers, body),
      ])
      response.end(body)
      app.observeResponse?.('GET', entry.route ?? 'unmatched', status, (performance.now() - started) / 1000)
      return true
    }
    if (frontOpen) {
      const [fastifyHandler, ...others] = app.server.listeners('request') as ((
        request: IncomingMessage,
        response: ServerResponse,
      ) => void)[]
      if (fastifyHandler !== undefined && others.length === 0) {
        app.server.removeListener('request', fastifyHandler)
        app.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
          let answered: boolean
          try {
            answered = front(request, response)
          } catch (error) {
            // Never a crash from here: Fastify answers what the early path could not, or the socket is closed.
            app.log.error({ err: error }, 'answering a cached response before routing failed')
            if (response.headersSent) {
              response.destroy()
              return
            }
            answered = false
          }
          if (!answered) fastifyHandler(request, response)
        })
      } else frontOpen = false
    }
    // Shutdown answers every request (Fastify's own 503 or `Connection: close`): no more hits before it.
    app.addHook('preClose', async () => {
      frontOpen = false
    })

    app.addHook('onSend', (request, reply, payload, done) => {
      const tags = request.cacheTags
      if (
        !tags || // null, or undefined in plugins registered before this one (/docs)
        (request as unknown as Record<symbol, boolean>)[SERVED] ||
        reply.statusCode !== 200
      )
        return done(null, payload)
      if (typeof payload !== 'string') return done(null, payload)
      const keys = keysOf(tags)
      const { body, hash } = encoded(payload)
      if (matches(request.headers['if-none-match'], hash)) {
        publicHeaders(reply, keys, hash)
        reply.code(304)
        reply.removeHeader('content-type')
        return done(null, '')
      }
      const expiresAt = EXPIRES.get(request)
      const store =
        request.method === 'GET' && cache !== null && (!OWN_LIFETIME.has(request) || expiresAt !== undefined)
      const entry = store
        ? cache.set(cacheKey(request), {
            vary: varyOf(request),
            body,
            hash,
            contentType: String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8'),
            link: reply.getHeader('link') as string | undefined,
            keys,
            route: request.routeOptions.url,
            otherHeaders: othersOf(reply),
            ...(expiresAt === undefined ? {} : { expiresAt, cacheControl: OWN_LIFETIME.get(request) }),
          })
        : undefined
      const encoding =
        entry !== undefined && entry.body.length >= COMPRESS_MIN_BYTES
          ? encodingFor(request.headers['accept-encoding'])
          : undefined
      if (entry === undefined || encoding === undefined) {
        publicHeaders(reply, keys, hash)
        return done(null, body)
      }
      const compressed = compress(entry.body, encoding)
      cache?.addEncoding(cacheKey(request), entry, encoding, compressed)
      publicHeaders(reply, keys, hash, encoding)
      reply.header('content-encoding', encoding)
      done(null, compressed)
    })
  },
  { name: 'newsdesk-cache', dependencies: ['newsdesk-auth'] },
)

/**
 * Public reads with a lifetime of their own (Most Popular, refreshed every flush interval): they get validators and
 * keys, and are kept here only until `expiresAt` (when their own list is made again), if they say when that is.
 */
const OWN_LIFETIME = new WeakMap<FastifyRequest, string>()
const EXPIRES = new WeakMap<FastifyRequest, number>()

/**
 * Marks a read as public when it was made without a token, and answers the set its store should record keys in;
 * reads with a token are `private, no-store` and get none.
 */
export function publicRead(
  request: FastifyRequest,
  reply: FastifyReply,
  options: { cacheControl?: string; expiresAt?: number | undefined } = {},
) {
  if (request.token !== null) {
    reply.header('cache-control', 'private, no-store')
    reply.header('vary', 'Authorization')
    return undefined
  }
  request.cacheTags ??= new Set()
  if (options.cacheControl !== undefined) {
    OWN_LIFETIME.set(request, options.cacheControl)
    if (options.expiresAt !== undefined) EXPIRES.set(request, options.expiresAt)
  }
  return request.cacheTags
}

declare module 'fastify' {
  interface FastifyInstance {
    responseCache: ResponseCache | null
    /** The invalidation bus, for features that keep derived data of their own (counts). */
    invalidations: InvalidationBus
    /** Counts a response that skipped the usual hooks (a cache hit); set by the metrics plugin. */
    observeResponse?: (method: string, route: string, status: number, seconds: number) => void
  }
}
