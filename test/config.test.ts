import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'

t.test('defaults', async (t) => {
  t.match(loadConfig({}), {
    port: 3000,
    host: '0.0.0.0',
    database: { engine: 'sqlite', path: './data/newsdesk.db', busyTimeoutMs: 5000 },
    redisUrl: undefined,
    demoData: true,
    logLevel: 'info',
    site: {
      url: 'https://www.newsdesk.example',
      paths: {
        article: '/articles/{slug}',
        topic: '/topics/{slug}',
        author: '/authors/{slug}',
        factTable: '/fact-tables/{slug}',
      },
      images: { template: undefined, widths: [320, 640, 960, 1280, 1920] },
    },
    siteConfigured: false,
    responseCacheBytes: 64 * 1_048_576,
    heapGrowthPercent: 50,
  })
  t.equal(loadConfig({ HEAP_GROWTH_PERCENT: '0' }).heapGrowthPercent, 0)
  for (const bad of ['-1', '1001', '1.5', 'lots'])
    t.throws(() => loadConfig({ HEAP_GROWTH_PERCENT: bad }), /HEAP_GROWTH_PERCENT=/)
})

t.test('website URLs and the image CDN', async (t) => {
  const config = loadConfig({
    SITE_URL: 'https://oc-media.example/',
    SITE_ARTICLE_PATH: '/{id}/{slug}',
    SITE_TOPIC_PATH: '/tag/{slug}/',
    IMAGE_URL_TEMPLATE: 'https://images.example/{path}?w={width}&fit=max',
    IMAGE_WIDTHS: '1200, 400,800,400',
  })
  t.same(config.site, {
    url: 'https://oc-media.example',
    paths: {
      article: '/{id}/{slug}',
      topic: '/tag/{slug}/',
      author: '/authors/{slug}',
      factTable: '/fact-tables/{slug}',
    },
    images: { template: 'https://images.example/{path}?w={width}&fit=max', widths: [400, 800, 1200] },
  })
  t.equal(config.siteConfigured, true)
  const error = t.throws(() =>
    loadConfig({
      SITE_ARTICLE_PATH: 'articles/{slug}',
      SITE_AUTHOR_PATH: '/people/{name}',
      IMAGE_URL_TEMPLATE: 'https://images.example/{path}',
      IMAGE_WIDTHS: '0,100',
    }),
  ) as ConfigError
  t.match(error.problems, [
    /^SITE_ARTICLE_PATH=/,
    /^SITE_AUTHOR_PATH=/,
    /^IMAGE_URL_TEMPLATE=/,
    /^IMAGE_WIDTHS=/,
  ])
})

t.test('values from the environment', async (t) => {
  t.match(
    loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      DATABASE_URL: 'file:/tmp/x.db',
      DEMO_DATA: 'false',
      LOG_LEVEL: 'debug',
      SITE_URL: 'https://news.example/',
    }),
    {
      port: 8080,
      host: '127.0.0.1',
      database: { engine: 'sqlite', path: '/tmp/x.db' },
      demoData: false,
      logLevel: 'debug',
      site: { url: 'https://news.example' },
    },
  )
  t.match(loadConfig({ DATABASE_URL: 'file::memory:' }).database, { engine: 'sqlite', path: ':memory:' })
})

t.test('PostgreSQL: one switch, with replicas, pool and timeouts', async (t) => {
  t.same(
    loadConfig({
      DATABASE_URL: 'postgres://news@db.internal:5432/newsdesk',
      DATABASE_REPLICA_URLS: 'postgres://news@replica-1/newsdesk, postgresql://news@replica-2/newsdesk',
      DATABASE_POOL_SIZE: '20',
      DATABASE_STATEMENT_TIMEOUT_MS: '2000',
      DATABASE_CONNECT_TIMEOUT_MS: '1500',
      REDIS_URL: 'redis://127.0.0.1:6379/2',
    }).database,
    {
      engine: 'postgres',
      url: 'postgres://news@db.internal:5432/newsdesk',
      replicaUrls: ['postgres://news@replica-1/newsdesk', 'postgresql://news@replica-2/newsdesk'],
      poolSize: 20,
      statementTimeoutMs: 2000,
      connectTimeoutMs: 1500,
    },
  )
  t.equal(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/2' }).redisUrl, 'redis://127.0.0.1:6379/2')
  t.match(loadConfig({ DATABASE_URL: 'postgres://h/db' }).database, {
    poolSize: 10,
    statementTimeoutMs: 10_000,
    connectTimeoutMs: 5_000,
    replicaUrls: [],
  })
})

t.test('bad PostgreSQL and Redis settings stop start-up, each named', async (t) => {
  t.throws(
    () =>
      loadConfig({
        DATABASE_URL: 'postgres://h/db',
        DATABASE_POOL_SIZE: '0',
        DATABASE_STATEMENT_TIMEOUT_MS: 'soon',
        DATABASE_CONNECT_TIMEOUT_MS: '-1',
        DATABASE_REPLICA_URLS: 'mysql://r/db',
        REDIS_URL: 'localhost:6379',
      }),
    {
      message:
        /DATABASE_REPLICA_URLS[\s\S]*DATABASE_POOL_SIZE[\s\S]*DATABASE_STATEMENT_TIMEOUT_MS[\s\S]*DATABASE_CONNECT_TIMEOUT_MS/,
    },
  )
  t.throws(() => loadConfig({ REDIS_URL: 'localhost:6379' }), { message: /REDIS_URL/ })
  t.throws(() => loadConfig({ DATABASE_REPLICA_URLS: 'postgres://r/db' }), {
    message: /DATABASE_REPLICA_URLS needs a postgres:\/\/ DATABASE_URL/,
  })
  t.throws(() => loadConfig({ DATABASE_URL: 'mysql://h/db' }), { message: /DATABASE_URL/ })
})

t.test('bad values are named, all at once', async (t) => {
  try {
    loadConfig({
      PORT: '70000',
      DEMO_DATA: 'maybe',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://db/news',
      SITE_URL: 'ftp://x',
    })
    t.fail('should throw')
  } catch (error) {
    t.ok(error instanceof ConfigError)
    const message = (error as Error).message
    for (const name of ['PORT', 'DEMO_DATA', 'LOG_LEVEL', 'DATABASE_URL', 'SITE_URL']) t.match(message, name)
  }
})
