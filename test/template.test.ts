/**
 * A public article read joins its body from the template stored when it was written (src/articles/template.ts)
 * instead of rendering and escaping it again: the bytes must be those the full rendering answers, for every kind
 * of block, every live block resolved as it is now, and links made absolute against the configured website.
 */
import { sql } from 'drizzle-orm'
import t from 'tap'
import { absoluteLinks } from '../src/articles/body.js'
import { absoluteLinksEscaped } from '../src/articles/template.js'
import { rawExec } from '../src/db/client.js'
import { article, build, newsroom, paragraph, type TestContext } from './helper.js'

const TABLE = 'september-2022-clashes-casualties'

t.test('links made absolute inside a JSON string are those made absolute before escaping', async (t) => {
  const base = 'https://news.example'
  const cases = [
    '<a href="/about">About</a> and <a href="https://x.example/a?b=1&amp;c=2">x</a>',
    '<a href="relative/path">r</a><a href="#notes">n</a><a href="mailto:desk@news.example">m</a>',
    '<a title="say \\"hi\\"" href="/q?a=\\\\b">back\\slash</a>',
    '<a href="/caf\u00e9 \u{1F600}">emoji \u{1F600}</a>\n<img src="/img.jpg" alt="x">',
    '<a href="/tab\there">tab</a> <a href="">empty</a> text with ="quotes" outside',
    '<a href="http://[bad">bad</a> <a href="/ok">ok</a>',
    'no links at all, "quoted" \\ and \u0001 control',
  ]
  for (const html of cases) {
    const escaped = JSON.stringify(html).slice(1, -1)
    t.equal(
      absoluteLinksEscaped(escaped, base),
      JSON.stringify(absoluteLinks(html, base)).slice(1, -1),
      JSON.stringify(html),
    )
  }
})

async function everyKindOfBlock(ctx: TestContext) {
  const headers = await ctx.auth('content:write')
  const { author, topic } = await newsroom(ctx, headers)
  const visible = await article(ctx, headers, {
    headline: 'The ceasefire holds',
    authors: [author],
    publish: true,
  })
  const draft = await article(ctx, headers, { headline: 'Not out yet', authors: [author] })
  const full = await article(ctx, headers, {
    headline: 'Everything at once',
    authors: [author],
    topics: [topic],
    tags: ['border'],
    publish: true,
    heroImage: { url: 'https://images.example/hero.jpg', alt: 'Hero', width: 2000, height: 1000 },
    body: {
      blocks: [
        paragraph(
          'Relative <a href="/about">link</a>, "quotes", back\\slash, caf\u00e9 \u{1F600}, <em>emphasis</em><br>line',
        ),
        { type: 'heading', level: 2, text: 'A "heading" with <angle> brackets' },
        { type: 'quote', html: 'We will <strong>not</strong> retreat', attribution: 'A commander' },
        { type: 'list', ordered: true, items: ['One <a href="page">rel</a>', 'Two'] },
        { type: 'embed', provider: 'youtube', url: 'https://www.youtube.com/watch?v=abc' },
        { type: 'audio', url: 'https://audio.example/a.mp3', title: 'Briefing', durationSeconds: 60 },
        {
          type: 'image',
          url: 'https://images.example/p.jpg',
          alt: 'A photo',
          caption: 'Caption',
          credit: 'Credit',
          width: 1200,
          height: 800,
          focalPoint: { y: 0.2, x: 0.7 },
        },
        { type: 'related', article: visible.slug, label: 'See also' },
        { type: 'related', article: draft.id },
        { type: 'factTable', factTable: TABLE },
        paragraph('The end.'),
      ],
    },
  })
  return { headers, full, visible, draft }
}

/** A public read joined from the template, and the same read rendered in full (the template dropped). */
async function bothWays(ctx: TestContext, id: string) {
  const joined = await ctx.queriesOf(`/v1/articles/${id}`)
  await rawExec(ctx.database.db, sql`delete from body_templates where article_id = ${id}`)
  const rendered = await ctx.queriesOf(`/v1/articles/${id}`)
  return { joined, rendered }
}

t.test('a public read joined from the template answers the bytes of the full rendering', async (t) => {
  for (const env of <Record<string, string>[]>[
    { RESPONSE_CACHE_MB: '0' },
    {
      RESPONSE_CACHE_MB: '0',
      SITE_URL: 'https://oc-media.example/news',
      IMAGE_URL_TEMPLATE: 'https://img.example/{path}?w={width}',
    },
  ]) {
    const ctx = await build(t, { demo: true, env })
    const { full } = await everyKindOfBlock(ctx)
    const { joined, rendered } = await bothWays(ctx, full.id)
    t.equal(joined.response.statusCode, 200)
    t.ok(
      joined.queries.some((q) => /body_template/.test(q)) && !joined.queries.some((q) => /body_html/.test(q)),
      'the joined read reads the template, not the body',
    )
    t.ok(
      rendered.queries.some((q) => /body_html/.test(q)),
      'without a template the body is rendered',
    )
    t.equal(joined.response.body, rendered.response.body, `same bytes (${env.SITE_URL ?? 'default site'})`)
    t.equal(joined.response.headers.etag, rendered.response.headers.etag, 'so the same ETag')
    const body = joined.response.json().body
    t.match(body.html, /href="https:\/\/[^"]+\/about"/, 'a relative link made absolute')
    t.match(body.html, /<table>/, 'the fact table rendered in the body')
    t.equal(
      body.blocks.filter(
        (b: { type: string; article?: unknown }) => b.type === 'related' && b.article === null,
      ).length,
      1,
      'the draft it links to is not shown',
    )
    t.equal(body.blocks.length, 11)

    // The demo's own article (related and fact-table blocks) too.
    const demo = await bothWays(ctx, 'azerbaijani-and-armenian-foreign-ministers-meet-in-new-york')
    t.equal(demo.joined.response.body, demo.rendered.response.body, 'the demo article, the same bytes')
  }
})

t.test('what a template leaves to the reading changes with it, and an edit writes a new one', async (t) => {
  const ctx = await build(t, { demo: true, env: { RESPONSE_CACHE_MB: '0' } })
  const { headers, full, draft } = await everyKindOfBlock(ctx)
  const before = (await ctx.app.inject(`/v1/articles/${full.id}`)).json().body
  t.notMatch(before.html, /Not out yet/)

  const published = await ctx.app.inject({
    method: 'POST',
    url: `/v1/articles/${draft.id}/publish`,
    headers,
    payload: {},
  })
  t.equal(published.statusCode, 200)
  const after = (await ctx.app.inject(`/v1/articles/${full.id}`)).json().body
  t.match(after.html, /Read more: <a href="[^"]+">Not out yet<\/a>/, 'a linked article published shows')
  t.same(
    after.blocks.find((b: { article?: { id: string } | null }) => b.article?.id === draft.id)?.article
      ?.headline,
    'Not out yet',
  )

  const edited = await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${full.id}`,
    headers,
    payload: { body: { blocks: [paragraph('Rewritten <a href="/x">here</a>.')] } },
  })
  t.equal(edited.statusCode, 200)
  const read = await ctx.app.inject(`/v1/articles/${full.id}`)
  t.same(read.json().body.blocks, [{ type: 'paragraph', html: 'Rewritten <a href="/x">here</a>.' }])
  t.match(read.json().body.html, /^<p>Rewritten <a href="https:\/\/[^"]+\/x">here<\/a>\.<\/p>$/)
  t.equal(read.json().body.text, 'Rewritten here.')
})

t.test('editors, sparse fieldsets, body formats and includes are rendered in full', async (t) => {
  const ctx = await build(t, { demo: true, env: { RESPONSE_CACHE_MB: '0' } })
  const { headers, full } = await everyKindOfBlock(ctx)
  for (const [url, h] of [
    [`/v1/articles/${full.id}`, headers],
    [`/v1/articles/${full.id}?fields=id,body`, {}],
    [`/v1/articles/${full.id}?body=html`, {}],
    [`/v1/articles/${full.id}?include=related`, {}],
  ] as const) {
    const { response, queries } = await ctx.queriesOf({ url, headers: h })
    t.equal(response.statusCode, 200, url)
    t.ok(
      queries.some((q) => /body_html/.test(q)),
      `${url}${'authorization' in h ? ' (editor)' : ''}: rendered from the stored body`,
    )
  }
})
