import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import t from 'tap'
import { apiTokens } from '../src/db/schema.js'
import { build, databaseEnv, type TestContext } from './helper.js'

const run = promisify(execFile)
const cli = (ctx: TestContext, ...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    env: { ...process.env, ...databaseEnv(ctx), LOG_LEVEL: 'silent' },
  })

const WRITES = [
  ['POST', '/v1/articles'],
  ['PATCH', '/v1/articles/some-article'],
  ['DELETE', '/v1/articles/some-article'],
  ['POST', '/v1/articles/some-article/publish'],
  ['POST', '/v1/articles/some-article/unpublish'],
  ['POST', '/v1/topics'],
  ['PATCH', '/v1/topics/some-topic'],
  ['DELETE', '/v1/topics/some-topic'],
  ['POST', '/v1/authors'],
  ['PATCH', '/v1/authors/some-author'],
  ['DELETE', '/v1/authors/some-author'],
  ['PUT', '/v1/collections/some-collection'],
  ['DELETE', '/v1/collections/some-collection'],
] as const

t.test('every write needs a token (401) with the right scope (403)', async (t) => {
  const ctx = await build(t)
  const facts = await ctx.auth('facts:write')
  const content = await ctx.auth('content:write')
  const admin = await ctx.auth('admin')
  for (const [method, url] of WRITES) {
    const none = await ctx.app.inject({ method, url, payload: {} })
    t.equal(none.statusCode, 401, `${method} ${url} without a token`)
    t.equal(none.headers['www-authenticate'], 'Bearer realm="newsdesk"')
    t.equal(none.headers['content-type'], 'application/problem+json; charset=utf-8')
    const bogus = await ctx.app.inject({
      method,
      url,
      payload: {},
      headers: { authorization: 'Bearer nd_not-a-real-token' },
    })
    t.equal(bogus.statusCode, 401, `${method} ${url} with an unknown token`)
    const malformed = await ctx.app.inject({
      method,
      url,
      payload: {},
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    })
    t.equal(malformed.statusCode, 401, `${method} ${url} with a non-bearer header`)
    const wrongScope = await ctx.app.inject({ method, url, payload: {}, headers: facts })
    t.equal(wrongScope.statusCode, 403, `${method} ${url} with facts:write only`)
    for (const headers of [content, admin]) {
      const allowed = await ctx.app.inject({ method, url, payload: {}, headers })
      t.notOk([401, 403].includes(allowed.statusCode), `${method} ${url} passes auth (${allowed.statusCode})`)
    }
  }
})

t.test('editors-only reads: listing drafts needs content:write', async (t) => {
  const ctx = await build(t)
  t.equal((await ctx.app.inject('/v1/articles?status=draft')).statusCode, 401)
  const facts = await ctx.auth('facts:write')
  t.equal((await ctx.app.inject({ url: '/v1/articles?status=draft', headers: facts })).statusCode, 403)
  const content = await ctx.auth('content:write')
  t.equal((await ctx.app.inject({ url: '/v1/articles?status=draft', headers: content })).statusCode, 200)
  t.equal(
    (await ctx.app.inject({ url: '/v1/articles', headers: { authorization: 'Bearer wrong' } })).statusCode,
    401,
    'a bad token is refused even on a public read',
  )
})

t.test('the CLI creates, lists and revokes tokens; only a hash is stored', async (t) => {
  const ctx = await build(t)
  const created = await cli(ctx, 'tokens', 'create', '--name', 'cms', '--scopes', 'content:write,facts:write')
  const lines = created.stdout.trim().split('\n')
  const token = lines.at(-1) as string
  t.match(token, /^nd_[A-Za-z0-9_-]{43}$/, 'the token alone on the last line')

  const stored = await ctx.database.db.select().from(apiTokens)
  t.equal(stored.length, 1)
  t.not(stored[0]?.tokenHash, token)
  t.notOk(JSON.stringify(stored).includes(token), 'the token itself is not stored anywhere')
  t.same(stored[0]?.scopes, ['content:write', 'facts:write'])

  const headers = { authorization: `Bearer ${token}` }
  const ok = await ctx.app.inject({
    method: 'POST',
    url: '/v1/authors',
    headers,
    payload: { name: 'Via CLI' },
  })
  t.equal(ok.statusCode, 201)

  const listed = await cli(ctx, 'tokens', 'list')
  t.match(listed.stdout, /\tcms\tcontent:write,facts:write\tactive\tlast used 20/)
  t.notOk(listed.stdout.includes(token))

  await cli(ctx, 'tokens', 'revoke', 'cms')
  const revoked = await ctx.app.inject({
    method: 'POST',
    url: '/v1/authors',
    headers,
    payload: { name: 'Too late' },
  })
  t.equal(revoked.statusCode, 401)
  t.match((await cli(ctx, 'tokens', 'list')).stdout, /\tcms\t.*\trevoked 20/)

  await t.rejects(
    cli(ctx, 'tokens', 'create', '--name', 'x', '--scopes', 'root'),
    'an unknown scope is refused',
  )
  await t.rejects(cli(ctx, 'tokens', 'create', '--scopes', 'admin'), 'a name is required')
  await t.rejects(cli(ctx, 'tokens', 'revoke', 'nobody'), 'revoking an unknown token fails')
})

t.test('the CLI manages partner keys: create in a tier, list, retier, usage', async (t) => {
  const tiers = { PARTNER_TIERS: 'trial=2/100,big=50/1000' }
  const ctx = await build(t, { env: tiers })
  const partnerCli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      env: { ...process.env, ...databaseEnv(ctx), ...tiers, LOG_LEVEL: 'silent' },
    })
  const created = await partnerCli(
    'partners',
    'create',
    '--name',
    'wire-key',
    '--partner',
    'wire',
    '--tier',
    'trial',
  )
  t.match(created.stdout, /for wire, tier trial/)
  const headers = { authorization: `Bearer ${created.stdout.trim().split('\n').at(-1)}` }
  const statuses = []
  for (let i = 0; i < 3; i++) statuses.push((await ctx.app.inject({ url: '/v1/ninjs', headers })).statusCode)
  t.same(statuses, [200, 200, 429], 'the trial tier: two a minute')
  t.match(
    (await partnerCli('tokens', 'list')).stdout,
    /\twire-key\tsyndication:read\tactive\t.*\tpartner wire \(trial\)/,
  )

  t.match((await partnerCli('partners', 'retier', 'wire-key', 'big')).stdout, 'moved 1 key(s) to tier big')
  const after = await ctx.app.inject({ url: '/v1/ninjs', headers })
  t.equal(after.statusCode, 200, 'the new tier applies at once')
  t.equal(after.headers['ratelimit-limit'], '50')

  await ctx.app.flushPartnerUsage()
  const usage = await partnerCli('partners', 'usage', '--from', '2026-01-15')
  t.match(usage.stdout, '2026-01-15\twire\twire-key\tbig\t4 requests')
  await t.rejects(
    partnerCli('partners', 'create', '--name', 'x', '--partner', 'x', '--tier', 'gold'),
    'unknown tier',
  )
  await t.rejects(
    partnerCli('partners', 'create', '--name', 'x', '--partner', 'Not A Name'),
    'bad partner name',
  )
  await t.rejects(partnerCli('partners', 'retier', 'nobody', 'big'), 'unknown key')
  await t.rejects(partnerCli('partners', 'usage', '--from', 'yesterday'), 'bad day')
})
