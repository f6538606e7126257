/**
 * A generated archive for the search benchmark: news-like articles whose words follow a Zipf distribution over a
 * real vocabulary (common English, the conflict-and-politics words of the demo page, and the names of its people
 * and places), so that queries have selective and unselective terms, names to misspell and phrases to find.
 * Deterministic: the same size gives the same archive on both engines.
 */
import { readFileSync } from 'node:fs'
import { type Db, writeTransaction } from '../../src/db/client.js'
import { articles, articleTags, articleTopics, authors, bylines, topics } from '../../src/db/schema.js'
import { addSearchTerms, putSearchDocument } from '../../src/db/search.js'
import { wordsOf } from '../../src/search/query.js'

const COMMON = `time year people way day man thing woman life child world school state family student group country
problem hand part place case week company system program question work government number night point home water room
mother area money story fact month lot right study book eye job word business issue side kind head house service friend
father power hour game line end member law car city community name president team minute idea kid body information back
parent face others level office door health person art war history party result change morning reason research girl guy
moment air teacher force education foot boy age policy process music market sense nation plan college interest death
experience effect class control care field development role effort rate heart drug show leader light voice wife police
mind price report decision son view relationship town road arm difference value building action model season society tax
director position player record paper space ground form event official matter center couple site project activity star
table need court oil situation cost industry figure street image phone data picture practice piece land product doctor
wall patient worker news test movie north love support technology step baby computer type attention film tree source
organization hair window evidence population site training administration relief army border troops village river hill
mountain bridge bomb shell shelling missile drone strike ceasefire truce talks agreement treaty peace conflict clashes
casualties wounded killed missing prisoners soldiers civilians refugees displaced humanitarian aid convoy corridor
checkpoint frontier territory sovereignty occupation withdrawal offensive attack assault defence defense ministry
minister foreign affairs embassy ambassador envoy summit delegation sanctions resolution council assembly parliament
election vote opposition protest rally arrest detention trial court verdict journalist reporter footage video statement
spokesperson negotiations mediation observers monitors mission peacekeepers escalation provocation violation incident
shots fire artillery positions infrastructure damage homes residents evacuation shelters hospital injured injuries bodies
victims memorial funeral mourning investigation accountability crimes torture abuse rights freedom democracy regime
economy energy pipeline gas trade exports imports budget inflation currency bank loan debt investment jobs wages strike
border guards customs crossing road railway airport port blockade supplies food medicine winter electricity heating`

const NAMES = `armenia azerbaijan georgia russia turkey iran ukraine europe america france germany britain yerevan baku
tbilisi moscow ankara tehran brussels washington paris berlin london geneva vienna stepanakert shusha lachin goris jermuk
sotk vardenis kapan sisian gegharkunik syunik vayots dzor tavush nakhchivan karabakh artsakh kalbajar kelbajar zangezur
pashinyan aliyev putin erdogan raisi blinken pelosi macron scholz michel borrell mirzoyan bayramov harutyunyan tatoyan
lavrov shoigu zelensky biden sunak guterres kocharyan sargsyan ter petrosyan rubinyan grigoryan avetisyan aghayev edgar
osce csto nato kremlin pentagon unicef unhcr icrc amnesty`

/** The vocabulary, most frequent first: common words interleaved with names, then the demo page's own words. */
export function vocabulary(): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  const add = (w: string) => {
    if (w.length >= 2 && !seen.has(w)) {
      seen.add(w)
      out.push(w)
    }
  }
  const common = COMMON.split(/\s+/).filter(Boolean)
  const names = NAMES.split(/\s+/).filter(Boolean)
  for (let i = 0; i < Math.max(common.length, names.length); i++) {
    if (common[i]) add(common[i] as string)
    if (i % 2 === 0 && names[i / 2]) add(names[i / 2] as string)
  }
  for (const name of names) add(name)
  try {
    for (const w of wordsOf(readFileSync('src/demo/data.ts', 'utf8'))) if (/^[a-z]+$/.test(w)) add(w)
  } catch {}
  return out
}

/** A small deterministic generator (mulberry32). */
export function random(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Zipf sampling over ranks 0..n-1 (exponent about 1, as natural language). */
export function zipf(n: number, next: () => number) {
  const weights = Array.from({ length: n }, (_, i) => 1 / (i + 1))
  const total = weights.reduce((a, b) => a + b, 0)
  const cumulative: number[] = []
  let sum = 0
  for (const w of weights) {
    sum += w / total
    cumulative.push(sum)
  }
  return () => {
    const x = next()
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((cumulative[mid] as number) < x) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

export interface GeneratedArticle {
  id: string
  headline: string
  standfirst: string
  body: string
}

/** Writes `size` published articles (and their search documents) in batches; answers a sample for queries. */
export async function generateArchive(db: Db, size: number, now: number) {
  const words = vocabulary()
  const next = random(42)
  const rank = zipf(words.length, next)
  const word = () => words[rank()] as string
  const sentence = (n: number) => {
    const s = Array.from({ length: n }, word).join(' ')
    return `${s[0]?.toUpperCase()}${s.slice(1)}.`
  }
  const title = (s: string) => s.replace(/\b\w/g, (c) => c.toUpperCase())
  const topicIds: { id: string; title: string }[] = []
  const authorIds: { id: string; name: string }[] = []
  await writeTransaction(db, async (tx) => {
    for (let t = 0; t < 40; t++) {
      const row = {
        id: `0190cccc-0000-7000-8000-${String(t).padStart(12, '0')}`,
        title: title(`${word()} ${word()} ${t}`),
      }
      topicIds.push(row)
      await tx.insert(topics).values({
        ...row,
        slug: `bench-topic-${t}`,
        description: null,
        kind: 'story',
        heroImage: null,
        createdAt: now,
        updatedAt: now,
      })
    }
    for (let a = 0; a < 100; a++) {
      const row = {
        id: `0190dddd-0000-7000-8000-${String(a).padStart(12, '0')}`,
        name: title(`${word()} ${word()}yan`),
      }
      authorIds.push(row)
      await tx.insert(authors).values({
        ...row,
        slug: `bench-author-${a}`,
        bio: null,
        avatarUrl: null,
        createdAt: now,
        updatedAt: now,
      })
    }
  })
  const sample: GeneratedArticle[] = []
  const terms = new Set<string>()
  const span = 10 * 365 * 86_400_000
  let textBytes = 0
  for (let start = 0; start < size; start += 500) {
    await writeTransaction(db, async (tx) => {
      for (let i = start; i < Math.min(size, start + 500); i++) {
        const id = `0190eeee-0000-7000-8000-${i.toString(16).padStart(12, '0')}`
        const at = now - Math.floor(((size - i) / size) * span)
        const headline = title(sentence(6 + Math.floor(next() * 6)).slice(0, -1))
        const standfirst = sentence(18 + Math.floor(next() * 12))
        const paragraphs = Array.from({ length: 6 + Math.floor(next() * 6) }, () =>
          Array.from({ length: 3 + Math.floor(next() * 3) }, () =>
            sentence(10 + Math.floor(next() * 14)),
          ).join(' '),
        )
        const body = paragraphs.join('\n\n')
        textBytes += headline.length + standfirst.length + body.length
        const topic = topicIds[i % topicIds.length] as { id: string; title: string }
        const author = authorIds[Math.floor(next() * authorIds.length)] as { id: string; name: string }
        const tagList = [...new Set([word(), word()])]
        const wordCount = body.split(/\s+/).length
        await tx.insert(articles).values({
          id,
          slug: `bench-${i}`,
          type: 'news',
          headline,
          kicker: null,
          standfirst,
          language: 'en',
          status: 'published',
          publishedAt: at,
          createdAt: at,
          updatedAt: at,
          version: 1,
          primaryTopicId: topic.id,
          heroImage: null,
          contentWarning: null,
          contentWarningText: null,
          bodyBlocks: paragraphs.map((p) => ({ type: 'paragraph', html: p })),
          bodyHtml: paragraphs.map((p) => `<p>${p}</p>`).join('\n'),
          bodyText: body,
          excerpt: standfirst,
          wordCount,
          readingTimeMinutes: Math.max(1, Math.ceil(wordCount / 230)),
          syndication: 'all',
          syndicationPartners: [],
          embargoUntil: null,
          rightsStatement: null,
          usageTerms: null,
          withdrawnAt: null,
        })
        await tx.insert(bylines).values({ articleId: id, position: 0, authorId: author.id, publishedAt: at })
        await tx
          .insert(articleTopics)
          .values({ articleId: id, position: 0, topicId: topic.id, publishedAt: at })
        await tx
          .insert(articleTags)
          .values(tagList.map((tag, position) => ({ articleId: id, position, tag, publishedAt: at })))
        const doc = {
          articleId: id,
          headline,
          standfirst,
          body,
          topics: topic.title,
          tags: tagList.join(' · '),
          authors: author.name,
        }
        await putSearchDocument(tx, doc, { status: 'published', publishedAt: at, createdAt: at })
        for (const field of [headline, topic.title, author.name]) for (const w of wordsOf(field)) terms.add(w)
        if (i % 97 === 0) sample.push({ id, headline, standfirst, body })
      }
    })
  }
  for (const w of words) terms.add(w)
  await writeTransaction(db, (tx) =>
    addSearchTerms(
      tx,
      [...terms].filter((t) => t.length >= 3),
    ),
  )
  return { sample, words, textBytes }
}
