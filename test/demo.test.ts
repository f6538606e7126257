import t from 'tap'
import { build } from './helper.js'

const MAIN = 'azerbaijani-and-armenian-foreign-ministers-meet-in-new-york'

t.test('the demo newsroom: the seed article, its topic, related articles and editors’ picks', async (t) => {
  const { app } = await build(t, { demo: true })
  const article = (await app.inject(`/v1/articles/${MAIN}`)).json()
  t.equal(article.headline, 'Azerbaijani and Armenian foreign ministers meet in New York')
  t.same(
    article.authors.map((a: { name: string }) => a.name),
    ['OC Media'],
  )
  t.equal(article.primaryTopic.title, '2022 Azerbaijani Attack on Armenia')
  t.match(article.heroImage, {
    caption: 'Bayramov, Mirzoyan, and Blinken meet in New York.',
    credit: 'Official photo.',
  })
  const blocks = article.body.blocks
  t.equal(blocks[0].html.slice(0, 60), 'The Armenian and Azerbaijani foreign ministers have met in N')
  t.ok(
    blocks.some(
      (b: { type: string; text?: string }) =>
        b.type === 'heading' && b.text === 'US condemns ‘invasion of Armenia’',
    ),
  )
  t.ok(
    blocks.some(
      (b: { type: string; html?: string }) =>
        b.type === 'quote' && b.html?.startsWith('The statement made by Nancy Pelosi'),
    ),
  )
  const readMore = blocks.find((b: { type: string }) => b.type === 'related')
  t.equal(readMore.article.headline, 'Pelosi condemns Baku and pledges support for Armenia')
  t.match(
    article.body.text,
    'Armenia has claimed 207 deaths or missing persons and at least 20 soldiers taken prisoner',
  )
  t.match(article.body.text, 'undermine the role of the Russian peacekeeping mission')

  const related = (await app.inject(`/v1/articles/${MAIN}/related`)).json().data
  t.same(
    related
      .slice(0, 4)
      .map((r: { reason: string; article: { type: string; kicker: string | null; headline: string } }) => [
        r.reason,
        r.article.type,
        r.article.kicker,
        r.article.headline,
      ]),
    [
      ['curated', 'news', null, 'Footage appears to show desecration of female Armenian soldier'],
      ['curated', 'podcast', 'Podcast', 'War on the Armenia–Azerbaijan border'],
      ['curated', 'opinion', 'Opinion', 'The war never ended; the peace process never existed'],
      ['curated', 'live', 'Live updates', 'Shelling along Armenian border continues for second day'],
    ],
  )
  t.match(related[0].article, {
    contentWarning: 'graphic-violence',
    contentWarningText: 'Warning: This article contains graphic descriptons of violence.',
    heroImage: { caption: 'A still from the video.' },
  })
  t.notOk(
    related.some((r: { article: { slug: string } }) => r.article.slug === MAIN),
    'never itself',
  )

  const live = (
    await app.inject('/v1/articles/live-updates-shelling-along-armenian-border-continues-for-second-day')
  ).json()
  t.match(
    live.body.text,
    'Armenia has claimed 105 military casualties so far, while Azerbaijan has announced the death of 71 service members.',
  )

  const topic = (await app.inject('/v1/topics/2022-azerbaijani-attack-on-armenia')).json()
  t.match(topic, {
    title: '2022 Azerbaijani Attack on Armenia',
    kind: 'story',
    articleCount: 6,
    latestPublishedAt: '2022-09-20T10:00:00.000Z',
  })

  const picks = (await app.inject('/v1/collections/editors-picks')).json()
  t.equal(picks.data.length, 3)
  const authors = (await app.inject('/v1/authors')).json()
  t.same(
    authors.data.map((a: { name: string }) => a.name),
    ['OC Media'],
  )
})
