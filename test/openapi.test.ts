import { readFileSync } from 'node:fs'
import { Validator } from '@seriousme/openapi-schema-validator'
import t from 'tap'
import { generate, serialise } from '../src/openapi/export.js'
import { build } from './helper.js'

const FIX = 'Run `npm run openapi` and commit openapi/openapi.json and openapi/examples.json.'

t.test('the committed OpenAPI document and examples match the code', async (t) => {
  const { document, examples } = await generate()
  t.equal(
    serialise(document),
    readFileSync('openapi/openapi.json', 'utf8'),
    `openapi/openapi.json has drifted. ${FIX}`,
  )
  t.equal(
    serialise(examples),
    readFileSync('openapi/examples.json', 'utf8'),
    `openapi/examples.json has drifted. ${FIX}`,
  )
})

t.test('the document is valid OpenAPI 3.1', async (t) => {
  const result = await new Validator().validate('openapi/openapi.json')
  t.ok(result.valid, JSON.stringify(result.errors))
})

t.test('the document is complete enough to generate a typed client from', async (t) => {
  const document = JSON.parse(readFileSync('openapi/openapi.json', 'utf8'))
  const schemas = document.components.schemas
  for (const name of [
    'Article',
    'ArticleSummary',
    'Author',
    'Collection',
    'FactTable',
    'Figure',
    'Metric',
    'Party',
    'Problem',
    'Source',
    'Topic',
    'Block',
    'BlockInput',
    'ParagraphBlock',
    'HeadingBlock',
    'QuoteBlock',
    'ImageBlock',
    'ListBlock',
    'EmbedBlock',
    'AudioBlock',
    'RelatedBlock',
    'FactTableBlock',
    'Image',
    'ImageInput',
    'Rendition',
    'FocalPoint',
    'BylineAuthor',
    'TopicRef',
    'PageInfo',
    'RelatedArticles',
    'ArticleIncluded',
  ])
    t.ok(schemas[name], `${name} is a named component`)
  t.same(
    schemas.Block.discriminator.mapping.factTable,
    '#/components/schemas/FactTableBlock',
    'the block union maps each type to its component',
  )
  t.same(Object.keys(schemas.Block.discriminator.mapping).length, schemas.Block.oneOf.length)
  t.same(
    schemas.ArticleSummary.properties.contentWarning.anyOf[0].enum,
    ['graphic-violence', 'sexual-violence', 'self-harm', 'disturbing-imagery', 'strong-language'],
    'content warnings are an enum',
  )
  t.equal(document.openapi, '3.1.0')
  t.same(document.servers, [{ url: '/' }], 'servers relative to where the document is served')
  t.ok(document.info.license.identifier)
  t.ok(document.components.securitySchemes.bearerAuth)
  const operationIds = new Set<string>()
  for (const [path, operations] of Object.entries<Record<string, any>>(document.paths)) {
    for (const [method, op] of Object.entries<any>(operations)) {
      const name = `${method.toUpperCase()} ${path}`
      t.ok(op.operationId, `${name} has an operationId`)
      t.notOk(operationIds.has(op.operationId), `${name}: operationId is unique`)
      operationIds.add(op.operationId)
      t.ok(op.tags?.length, `${name} has a tag`)
      t.ok(op.summary, `${name} has a summary`)
      for (const parameter of op.parameters ?? []) {
        t.ok(
          parameter.description || parameter.schema?.description,
          `${name}: parameter ${parameter.name} is described`,
        )
      }
      const statuses = Object.keys(op.responses)
      t.ok(
        statuses.some((s) => s.startsWith('2')),
        `${name} declares its success`,
      )
      if (path.startsWith('/v1/')) {
        t.ok(statuses.includes('400') && statuses.includes('500'), `${name} declares its errors`)
        for (const s of statuses.filter((s) => Number(s) >= 400)) {
          t.ok(op.responses[s].content['application/problem+json'], `${name} ${s} is problem+json`)
        }
      }
      for (const s of statuses) t.ok(op.responses[s].description, `${name} ${s} is described`)
      if (['post', 'put', 'patch', 'delete'].includes(method) && op.operationId !== 'recordView') {
        t.same(op.security, [{ bearerAuth: [] }], `${name} declares its security`)
      } else if (
        method === 'get' &&
        !['getArticleStats', 'metrics', 'getPartnerUsage'].includes(op.operationId)
      ) {
        t.same(op.security, [], `${name} is public and says so`)
      } else if (method === 'get') {
        t.same(op.security, [{ bearerAuth: [] }], `${name} needs a token and says so`)
      }
      const hasExample = Object.values<any>(op.responses).some((r) =>
        Object.values<any>(r.content ?? {}).some((media) => media.example !== undefined),
      )
      if (
        // No body, or (metrics) nothing that stays the same between two runs.
        ![
          'deleteArticle',
          'deleteTopic',
          'deleteAuthor',
          'deleteCollection',
          'recordView',
          'metrics',
        ].includes(op.operationId)
      ) {
        t.ok(hasExample, `${name} has an example`)
      }
    }
  }
})

t.test('/openapi.json and /docs are served', async (t) => {
  const { app } = await build(t)
  const res = await app.inject('/openapi.json')
  t.equal(res.statusCode, 200)
  t.equal(res.json().info.title, 'Newsdesk API')
  const docs = await app.inject('/docs')
  t.ok([200, 302].includes(docs.statusCode))
  const page = await app.inject(docs.statusCode === 302 ? String(docs.headers.location) : '/docs')
  t.match(page.body, /swagger/i)
})
