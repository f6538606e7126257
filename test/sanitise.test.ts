import t from 'tap'
import { article, build, newsroom, paragraph } from './helper.js'

const HOSTILE = [
  ['<script>alert(1)</script>', '<script>'],
  ['<img src=x onerror=alert(1)>', '<img>'],
  ['<a href="javascript:alert(1)">x</a>', 'javascript'],
  ['<a href="JaVaScRiPt:alert(1)">x</a>', 'javascript'],
  ['<a href="java\tscript:alert(1)">x</a>', 'script:alert'],
  ['<a href="data:text/html,<script>alert(1)</script>">x</a>', 'data:'],
  ['<a href="//evil.example/">x</a>', '//evil'],
  ['<b onclick="alert(1)">x</b>', 'onclick'],
  ['<em style="color:red">x</em>', 'style'],
  ['<style>body{display:none}</style>', '<style>'],
  ['<iframe src="https://evil.example"></iframe>', '<iframe>'],
  ['<svg><script>alert(1)</script></svg>', '<svg>'],
  ['<p>nested paragraph</p>', '<p>'],
  ['<!-- <script>alert(1)</script> -->', 'comments'],
  ['<a href="https://ok.example" target="_blank">x</a>', 'target'],
] as const

t.test('hostile inline HTML is rejected, naming the block, and nothing is stored', async (t) => {
  const ctx = await build(t)
  const editor = await ctx.auth('content:write')
  const { author } = await newsroom(ctx, editor)
  for (const [html, mentions] of HOSTILE) {
    for (const block of [
      paragraph(`Before ${html} after`),
      { type: 'quote', html },
      { type: 'list', ordered: false, items: ['fine', html] },
    ]) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/v1/articles',
        headers: editor,
        payload: {
          headline: 'Hostile',
          authors: [author],
          topics: [],
          body: { blocks: [paragraph('ok'), block] },
        },
      })
      t.equal(res.statusCode, 400, `${block.type}: ${html}`)
      const error = res.json().errors[0]
      t.match(error.path, /^body\/body\/blocks\/1\/(html|items\/1)$/)
      t.ok(
        error.message.toLowerCase().includes(mentions.toLowerCase().replace(/[<>]/g, '')),
        `${error.message} names ${mentions}`,
      )
    }
  }
  const all = await ctx.app.inject({ url: '/v1/articles?status=all', headers: editor })
  t.equal(all.json().page.total, 0, 'no hostile article was stored')
})

t.test('allowed markup survives; text fields are escaped, never interpreted', async (t) => {
  const ctx = await build(t)
  const editor = await ctx.auth('content:write')
  const { author } = await newsroom(ctx, editor)
  const a = await article(ctx, editor, {
    headline: '<script>alert(1)</script> headline',
    authors: [author],
    publish: true,
    body: {
      blocks: [
        paragraph(
          'H<sub>2</sub>O and E=mc<sup>2</sup>, <b>bold</b>, <i>it</i>, <strong>s</strong><br>next line, <a href="mailto:desk@example.org" title="Mail">mail</a>, <a href="/articles/x">relative</a> &amp; 5 &lt; 6',
        ),
        { type: 'heading', level: 3, text: '<img src=x onerror=alert(1)>' },
        { type: 'quote', html: 'Quoted', attribution: '<script>x</script>' },
        {
          type: 'image',
          url: 'https://media.example/a.jpg',
          alt: '" onerror="alert(1)',
          caption: '<b>cap</b>',
          width: 640,
          height: 480,
        },
        { type: 'embed', provider: '"><script>', url: 'https://example.org/?q=a&b=c' },
      ],
    },
  })
  const read = (await ctx.app.inject(`/v1/articles/${a.id}`)).json()
  const html: string = read.body.html
  t.match(html, '<sub>2</sub>')
  t.match(html, '<sup>2</sup>')
  t.match(html, '<br />')
  t.match(html, '<a href="mailto:desk@example.org" title="Mail">mail</a>')
  t.match(
    html,
    '<a href="https://www.newsdesk.example/articles/x">relative</a>',
    'relative links are made absolute on the website',
  )
  t.match(html, '&amp; 5 &lt; 6')
  t.notMatch(html, /<script|<img src=x|onerror="alert/i, 'nothing executable')
  t.match(html, '<h3>&lt;img src=x onerror=alert(1)&gt;</h3>')
  t.match(html, 'data-provider="&quot;&gt;&lt;script&gt;"')
  t.match(html, 'href="https://example.org/?q=a&amp;b=c"')
  t.match(html, 'alt="&quot; onerror=&quot;alert(1)"')
  t.match(read.body.text, 'H2O and E=mc2')
  t.match(read.body.text, '5 < 6', 'text decodes entities')
  t.equal(read.headline, '<script>alert(1)</script> headline', 'JSON fields are data, returned as written')
})
