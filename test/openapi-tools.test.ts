/**
 * The committed OpenAPI document as partners use it: linted by Redocly with its recommended rules, and turned into
 * a TypeScript client (openapi-typescript + openapi-fetch) that a small page-building program type-checks against.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import openapiTS, { astToString } from 'openapi-typescript'
import t from 'tap'
import ts from 'typescript'

t.test('Redocly’s recommended rules find no error and no warning', async (t) => {
  const out = execFileSync(
    process.execPath,
    ['node_modules/@redocly/cli/bin/cli.js', 'lint', 'openapi/openapi.json', '--format=json'],
    {
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  )
  const report = JSON.parse(out)
  t.same(report.totals, { errors: 0, warnings: 0, ignored: 0 }, JSON.stringify(report.problems, null, 1))
})

/** What a website does with the generated client; it must type-check with no cast. */
const PROGRAM = `
import createClient from 'openapi-fetch'
import type { components, paths } from './api.js'

type Block = components['schemas']['Block']
type Article = components['schemas']['Article']

const client = createClient<paths>({ baseUrl: 'https://api.newsdesk.example' })

export function blockText(block: Block): string {
  switch (block.type) {
    case 'paragraph':
      return block.html
    case 'heading':
      return block.text
    case 'factTable':
      return block.factTable + (block.title ?? '')
    case 'related':
      return block.article?.headline ?? block.label
    case 'image':
      return block.alt + String(block.width)
    default:
      return block.type
  }
}

export async function page(slug: string) {
  const { data: article, error } = await client.GET('/v1/articles/{article}', {
    params: { path: { article: slug }, query: { include: 'factTables,related' } },
  })
  if (error) return error.status + error.detail
  const a: Article = article
  const tables = a.included?.factTables ?? []
  const related = a.included?.related?.data ?? []
  const popular = await client.GET('/v1/popular', { params: { query: { window: '7d', exclude: a.id } } })
  const picks = await client.GET('/v1/collections/{slug}', { params: { path: { slug: 'editors-picks' } } })
  const srcset = a.heroImage?.renditions.map((r) => \`\${r.url} \${r.width}w\`).join(', ')
  const warning: 'graphic-violence' | string | null = a.contentWarning
  return [
    a.kicker,
    a.headline,
    a.body.blocks.map(blockText),
    tables.map((table) => table.title),
    related.map((item) => item.article.links.canonical),
    popular.data?.data.map((item) => item.article.headline),
    picks.data?.data.map((item) => item.headline),
    srcset,
    warning,
  ]
}
`

t.test('a generated TypeScript client type-checks a page-building program', async (t) => {
  const dir = mkdtempSync(join(process.cwd(), 'test', '.client-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const document = JSON.parse(readFileSync('openapi/openapi.json', 'utf8'))
  writeFileSync(join(dir, 'api.ts'), astToString(await openapiTS(document)))
  writeFileSync(join(dir, 'page.ts'), PROGRAM)
  const program = ts.createProgram([join(dir, 'page.ts')], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  })
  const diagnostics = ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
  t.same(diagnostics, [], 'no type errors')
})
