import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'

t.test('defaults', async (t) => {
  t.match(loadConfig({}), {
    port: 3000,
    host: '0.0.0.0',
    databasePath: './data/newsdesk.db',
    demoData: true,
    logLevel: 'info',
    siteUrl: 'http://localhost:3000',
  })
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
      databasePath: '/tmp/x.db',
      demoData: false,
      logLevel: 'debug',
      siteUrl: 'https://news.example',
    },
  )
  t.equal(loadConfig({ DATABASE_URL: 'file::memory:' }).databasePath, ':memory:')
})

t.test('bad values are named, all at once', async (t) => {
  try {
    loadConfig({
      PORT: '70000',
      DEMO_DATA: 'maybe',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'postgres://db/news',
      SITE_URL: 'ftp://x',
    })
    t.fail('should throw')
  } catch (error) {
    t.ok(error instanceof ConfigError)
    const message = (error as Error).message
    for (const name of ['PORT', 'DEMO_DATA', 'LOG_LEVEL', 'DATABASE_URL', 'SITE_URL']) t.match(message, name)
  }
})
