/**
 * Hardening defects that only show across processes: shutdown with a busy keep-alive connection, two servers on
 * one SQLite file, errors of the HTTP parser, and backups taken while a server writes.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import SQLite from 'better-sqlite3'
import t, { type Test } from 'tap'
import { openDatabase } from '../src/db/client.js'
import { createToken } from '../src/tokens/store.js'
import { startServer } from './server-process.js'

const ARTICLE = 'azerbaijani-and-armenian-foreign-ministers-meet-in-new-york'
const run = promisify(execFile)

function tempDir(t: Test) {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-hardening-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function storedViews(dbFile: string): number {
  const db = new SQLite(dbFile, { readonly: true })
  try {
    return (db.prepare('select coalesce(sum(views), 0) as v from view_buckets').get() as { v: number }).v
  } finally {
    db.close()
  }
}

const reader = (n: number) => ({ 'user-agent': `Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0 reader-${n}` })

async function beacons(url: string, n: number) {
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${url}/v1/articles/${ARTICLE}/views`, { method: 'POST', headers: reader(i) })
    if (res.status !== 202) throw new Error(`beacon answered ${res.status}`)
  }
}

/** A raw keep-alive connection, so the test decides exactly when the request's body is complete. */
function rawConnection(url: string): { socket: Socket; received: () => string; closed: Promise<void> } {
  const { hostname, port } = new URL(url)
  const socket = connect(Number(port), hostname)
  let data = ''
  socket.on('data', (chunk) => {
    data += chunk
  })
  const closed = new Promise<void>((resolve) => {
    socket.on('close', () => resolve())
    socket.on('error', () => resolve())
  })
  return { socket, received: () => data, closed }
}

const partialBeacon = (n: number) =>
  `POST /v1/articles/${ARTICLE}/views HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n` +
  `User-Agent: ${reader(n)['user-agent']}\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nabcde`

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** 40 buffered views, then a beacon half-sent on a keep-alive connection, then SIGTERM. */
async function sigtermDuringRequest(t: Test, shutdownTimeoutMs: number) {
  const dbFile = join(tempDir(t), 'views.db')
  const server = await startServer({
    DATABASE_URL: `file:${dbFile}`,
    VIEWS_FLUSH_INTERVAL_MS: '3600000',
    SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
  })
  const baseline = storedViews(dbFile)
  await beacons(server.url, 40)
  const raw = rawConnection(server.url)
  raw.socket.write(partialBeacon(1000))
  await sleep(100)
  server.child.kill('SIGTERM')
  return { server, raw, stored: () => storedViews(dbFile) - baseline }
}

t.test('6. SIGTERM with a busy keep-alive connection: Connection: close, flush, exit 0', async (t) => {
  const { server, raw, stored } = await sigtermDuringRequest(t, 20_000)
  await sleep(300)
  raw.socket.write('fghij') // the request in flight at SIGTERM completes now
  await raw.closed
  t.match(raw.received(), /^HTTP\/1\.1 202 /, 'the request in flight is answered')
  t.match(raw.received(), /\r\nconnection: close\r\n/i, 'with Connection: close')
  t.equal(await server.exited, 0)
  t.notMatch(server.output(), /did not finish in time/, 'no wait for the timeout')
  t.equal(stored(), 41, 'every buffered view was written')
})

t.test('6. a client that never finishes its request cannot stop the flush', async (t) => {
  const { server, raw, stored } = await sigtermDuringRequest(t, 300)
  t.equal(await server.exited, 0, 'nothing was lost, so the exit code is 0')
  await raw.closed
  t.match(server.output(), /did not finish in time/)
  t.equal(stored(), 40, 'the buffered views were written after the timeout')
})

t.test('7. two servers on one SQLite file: concurrent writes never answer 500', async (t) => {
  const dir = tempDir(t)
  const dbFile = join(dir, 'shared.db')
  const a = await startServer({ DATABASE_URL: `file:${dbFile}` })
  const b = await startServer({ DATABASE_URL: `file:${dbFile}`, DEMO_DATA: 'false' })
  t.teardown(() => {
    a.child.kill('SIGKILL')
    b.child.kill('SIGKILL')
  })
  const database = await openDatabase({ engine: 'sqlite', path: dbFile, busyTimeoutMs: 5000 })
  const { token } = await createToken(database.db, 'writers', ['content:write'])
  await database.close()
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const statuses = new Map<number, number>()
  for (let batch = 0; batch < 6; batch++) {
    const results = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const url = i % 2 ? a.url : b.url
        const created = await fetch(`${url}/v1/articles`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            headline: `Rolling deploy ${batch}`,
            authors: ['oc-media'],
            topics: [],
            body: { blocks: [] },
          }),
        })
        if (created.status !== 201) return created.status
        const { id } = (await created.json()) as { id: string }
        // The other instance publishes it: reads and writes cross the processes.
        const published = await fetch(`${i % 2 ? b.url : a.url}/v1/articles/${id}/publish`, {
          method: 'POST',
          headers,
          body: '{}',
        })
        return published.status
      }),
    )
    for (const status of results) statuses.set(status, (statuses.get(status) ?? 0) + 1)
  }
  t.same(Object.fromEntries(statuses), { 200: 180 }, 'every create and publish succeeded')
  const list = (await (await fetch(`${a.url}/v1/articles?limit=1`)).json()) as { page: { total: number } }
  t.equal(list.page.total, 6 + 180, 'both instances see every article')
  const slugs = new Set<string>()
  for (const url of [a.url, b.url]) {
    let cursor: string | null = null
    do {
      const page = (await (
        await fetch(`${url}/v1/articles?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      ).json()) as { data: { slug: string }[]; page: { nextCursor: string | null } }
      for (const item of page.data) slugs.add(item.slug)
      cursor = page.page.nextCursor
    } while (cursor)
  }
  t.equal(slugs.size, 186, 'slugs stayed unique across processes')
})

t.test('10. errors of the HTTP parser are problem+json', async (t) => {
  const server = await startServer({ DATABASE_URL: `file:${join(tempDir(t), 'p.db')}`, DEMO_DATA: 'false' })
  t.teardown(() => server.child.kill('SIGKILL'))
  const ask = async (request: string) => {
    const raw = rawConnection(server.url)
    raw.socket.write(request)
    await raw.closed
    return raw.received()
  }
  const big = await ask(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
  t.match(big, /^HTTP\/1\.1 431 /)
  t.match(big, /\r\nContent-Type: application\/problem\+json\r\n/)
  t.match(JSON.parse(big.slice(big.indexOf('\r\n\r\n') + 4)), {
    status: 431,
    type: 'urn:newsdesk:problem:headers-too-large',
  })
  const garbage = await ask('THIS IS NOT HTTP\r\n\r\n')
  t.match(garbage, /^HTTP\/1\.1 400 /)
  t.match(JSON.parse(garbage.slice(garbage.indexOf('\r\n\r\n') + 4)), { status: 400 })
})

t.test('backup while a server writes: the copy is sound and holds every acknowledged write', async (t) => {
  const dir = tempDir(t)
  const dbFile = join(dir, 'live.db')
  const server = await startServer({ DATABASE_URL: `file:${dbFile}` })
  t.teardown(() => server.child.kill('SIGKILL'))
  const database = await openDatabase({ engine: 'sqlite', path: dbFile, busyTimeoutMs: 5000 })
  const { token } = await createToken(database.db, 'burst', ['content:write'])
  await database.close()
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const acknowledged: { id: string }[] = []
  let writing = true
  const writer = async () => {
    for (let n = 0; writing; n++) {
      const res = await fetch(`${server.url}/v1/articles`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          headline: `Burst ${n}`,
          authors: ['oc-media'],
          topics: [],
          body: { blocks: [] },
        }),
      })
      if (res.status === 201) acknowledged.push({ id: ((await res.json()) as { id: string }).id })
    }
  }
  const writers = [writer(), writer(), writer()]
  // Enough writes acknowledged before the backup begins, however busy the machine is.
  for (let waited = 0; acknowledged.length <= 10 && waited < 15_000; waited += 50) await sleep(50)
  const cli = (args: string[], env: Record<string, string>) =>
    run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: { ...process.env, ...env } })
  const backupFile = join(dir, 'backups', 'newsdesk-1.db')
  // Exactly the writes acknowledged so far: a timestamp comparison loses one written in the same millisecond.
  const before = acknowledged.slice()
  const backup = await cli(['backup', backupFile], { DATABASE_URL: `file:${dbFile}` })
  t.match(backup.stdout, /integrity ok/)
  await sleep(200)
  writing = false
  await Promise.all(writers)
  t.ok(before.length > 10, `${before.length} writes acknowledged before the backup began`)
  t.ok(acknowledged.length > before.length, 'and more while and after it ran')

  await t.rejects(
    cli(['restore', backupFile], { DATABASE_URL: `file:${dbFile}` }),
    /in use/,
    'not under a running server',
  )
  await t.rejects(cli(['backup', backupFile], { DATABASE_URL: `file:${dbFile}` }), /already exists/)

  const restoredFile = join(dir, 'restored.db')
  const restore = await cli(['restore', backupFile], { DATABASE_URL: `file:${restoredFile}` })
  t.match(restore.stdout, /integrity ok/)
  const restored = new SQLite(restoredFile, { readonly: true })
  t.equal(restored.pragma('integrity_check', { simple: true }), 'ok')
  const ids = new Set(
    (restored.prepare('select id from articles').all() as { id: string }[]).map((r) => r.id),
  )
  restored.close()
  t.equal(
    before.filter((w) => !ids.has(w.id)).length,
    0,
    'every write acknowledged before the backup is in it',
  )

  const again = await startServer({ DATABASE_URL: `file:${restoredFile}` })
  const list = (await (await fetch(`${again.url}/v1/articles?status=all`, { headers })).json()) as {
    page: { total: number }
  }
  t.equal(list.page.total, ids.size, 'a server starts on the restored file')
  again.child.kill('SIGTERM')
  t.equal(await again.exited, 0)
})
