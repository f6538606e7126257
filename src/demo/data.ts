/**
 * The demo newsroom, taken from the article page Newsdesk grew from (shared/seed/000_8ee5b731c89e2d29.txt).
 * Nothing here goes beyond what that page says. The page gives no publication times: the ones below are read off
 * its text (the live page is the "second day" of the 13-14 September clashes, the meeting was on 19 September)
 * and are marked approximate in the README. Media URLs point at a placeholder host.
 */
import type { ArticleCreate } from '../articles/schemas.js'

const MEDIA = 'https://media.newsdesk.example/demo'

export const DEMO = {
  author: { id: '01835d2a-0000-7000-8000-00000000a001', name: 'OC Media', slug: 'oc-media' },
  topic: {
    id: '01835d2a-0000-7000-8000-00000000b001',
    slug: '2022-azerbaijani-attack-on-armenia',
    title: '2022 Azerbaijani Attack on Armenia',
    kind: 'story' as const,
  },
  editorsPicks: { slug: 'editors-picks', title: 'Editor’s Picks' },
}

export interface DemoArticle {
  id: string
  publishedAt: string
  input: ArticleCreate
}

const byline = { authors: [DEMO.author.slug], topics: [DEMO.topic.slug] }
const p = (html: string) => ({ type: 'paragraph' as const, html })

export const LIVE: DemoArticle = {
  id: '01833a4c-0000-7000-8000-0000000c0001',
  publishedAt: '2022-09-14T09:00:00.000Z',
  input: {
    ...byline,
    type: 'live',
    slug: 'live-updates-shelling-along-armenian-border-continues-for-second-day',
    kicker: 'Live updates',
    headline: 'Shelling along Armenian border continues for second day',
    tags: ['armenia', 'azerbaijan'],
    heroImage: {
      url: `${MEDIA}/azerbaijani-strikes-on-armenian-positions.jpg`,
      width: 1200,
      height: 800,
      alt: 'Azerbaijani strikes on Armenian positions.',
      caption: 'Azerbaijani strikes on Armenian positions.',
      credit: 'Source: Arman Tatoyan, former Human Rights Defender of Armenia/Facebook.',
    },
    body: {
      blocks: [
        p(
          'Azerbaijani strikes on Armenian territory continue into a second day despite the international community’s calls for peace. Azerbaijan claims it responded to a ‘large-scale provocation’ by Armenia.',
        ),
        p('[Read on OC Media: 13 September live updates and yesterday’s sum-up]'),
        p(
          'Armenia has claimed 105 military casualties so far, while Azerbaijan has announced the death of 71 service members.',
        ),
        p(
          'A map of Azerbaijani strikes on the territory of Armenia since 13 September 2022, as reported by Armenian',
        ),
      ],
    },
  },
}

export const FOOTAGE: DemoArticle = {
  id: '01834494-0000-7000-8000-0000000c0002',
  publishedAt: '2022-09-16T12:00:00.000Z',
  input: {
    ...byline,
    type: 'news',
    slug: 'footage-appears-to-show-desecration-of-female-armenian-soldier',
    headline: 'Footage appears to show desecration of female Armenian soldier',
    tags: ['armenia', 'azerbaijan'],
    contentWarning: 'graphic-violence',
    contentWarningText: 'Warning: This article contains graphic descriptons of violence.',
    heroImage: {
      url: `${MEDIA}/a-still-from-the-video.jpg`,
      width: 1280,
      height: 720,
      alt: 'A still from the video.',
      caption: 'A still from the video.',
    },
    body: {
      blocks: [
        p(
          'Footage circulating online appears to show the mutilation of a female Armenian soldier by Azerbaijani troops during fighting this week.',
        ),
        p(
          'On Friday, the Armenian Ministry of Defence confirmed that the woman in question was killed during the clashes on 13–14 September along the Armenia-Azerbaijan border.',
        ),
        p(
          'The footage, ostensibly filmed by an Azerbaijani soldier, shows a number of bodies of Armenian soldiers, including two women.',
        ),
      ],
    },
  },
}

export const PODCAST: DemoArticle = {
  id: '01834989-0000-7000-8000-0000000c0003',
  publishedAt: '2022-09-17T12:00:00.000Z',
  input: {
    ...byline,
    type: 'podcast',
    slug: 'podcast-war-on-the-armenia-azerbaijan-border',
    kicker: 'Podcast',
    headline: 'War on the Armenia–Azerbaijan border',
    tags: ['armenia', 'azerbaijan', 'caucasus-digest'],
    heroImage: {
      url: `${MEDIA}/a-house-in-sotk-gegharkunik.jpg`,
      width: 1200,
      height: 800,
      alt: 'A house in Sotk, Gegharkunik.',
      caption: 'A house in Sotk, Gegharkunik.',
      credit: 'Photo: Arman Tatoyan/Facebook.',
    },
    body: {
      blocks: [
        p(
          'In this week’s episode of the Caucasus Digest, Anna Edgar talks to Ani Avetisyan and Ismi Aghayev about the Azerbaijani attack on Armenian military positions along their shared border and what it could mean for future peace talks between the two countries.',
        ),
        {
          type: 'list',
          ordered: false,
          items: [
            'Live updates: shelling along Armenian border continues for second day',
            'Opinion | The war never ended; the peace process never existed',
            'Azerbaijan launches attacks along Armenian border',
          ],
        },
        {
          type: 'audio',
          url: `${MEDIA}/caucasus-digest-war-on-the-armenia-azerbaijan-border.mp3`,
          title: 'Caucasus Digest: War on the Armenia–Azerbaijan border',
          durationSeconds: 1_800,
          sizeBytes: 28_800_000,
          mediaType: 'audio/mpeg',
        },
      ],
    },
  },
}

export const OPINION: DemoArticle = {
  id: '01834eaf-0000-7000-8000-0000000c0004',
  publishedAt: '2022-09-18T08:00:00.000Z',
  input: {
    ...byline,
    type: 'opinion',
    slug: 'opinion-the-war-never-ended-the-peace-process-never-existed',
    kicker: 'Opinion',
    headline: 'The war never ended; the peace process never existed',
    tags: ['azerbaijan', 'nationalism'],
    heroImage: {
      url: `${MEDIA}/illustration-oc-media.jpg`,
      width: 1200,
      height: 800,
      alt: 'Illustration.',
      caption: 'Illustration.',
      credit: 'OC Media.',
    },
    body: {
      blocks: [
        p(
          'Azerbaijani politics has taken a dark turn towards irredentism with its cult of brute force and victory. There can be no lasting peace with Armenians until we dismantle the vengeful founding myths of our national identity and reject violent nationalism.',
        ),
        p(
          'During the 2020 Nagorno-Karabakh war, many in Azerbaijan argued that the war and loss of human life were necessary to prevent further losses in the future.',
        ),
      ],
    },
  },
}

/** The "Read more" target of the main article. The page gives only its headline, so its body stays empty. */
export const PELOSI: DemoArticle = {
  id: '01834eaf-0000-7000-8000-0000000c0005',
  publishedAt: '2022-09-18T12:00:00.000Z',
  input: {
    ...byline,
    type: 'news',
    slug: 'pelosi-condemns-baku-and-pledges-support-for-armenia',
    headline: 'Pelosi condemns Baku and pledges support for Armenia',
    tags: ['armenia', 'azerbaijan', 'united-states'],
    body: { blocks: [] },
  },
}

export const MAIN: DemoArticle = {
  id: '01835d2a-0000-7000-8000-0000000c0006',
  publishedAt: '2022-09-20T10:00:00.000Z',
  input: {
    ...byline,
    type: 'news',
    slug: 'azerbaijani-and-armenian-foreign-ministers-meet-in-new-york',
    headline: 'Azerbaijani and Armenian foreign ministers meet in New York',
    tags: ['armenia', 'azerbaijan', 'united-states', 'diplomacy'],
    heroImage: {
      url: `${MEDIA}/bayramov-mirzoyan-blinken-new-york.jpg`,
      width: 1200,
      height: 800,
      focalPoint: { x: 0.5, y: 0.35 },
      alt: 'Bayramov, Mirzoyan, and Blinken meet in New York.',
      caption: 'Bayramov, Mirzoyan, and Blinken meet in New York.',
      credit: 'Official photo.',
    },
    relatedArticles: [
      FOOTAGE.input.slug,
      PODCAST.input.slug,
      OPINION.input.slug,
      LIVE.input.slug,
    ] as string[],
    body: {
      blocks: [
        p(
          'The Armenian and Azerbaijani foreign ministers have met in New York with the US Secretary of State Antony Blinken, in the first official direct talks between the two countries since the recent military escalation on their shared border.',
        ),
        p(
          'Blinken met with Armenian and Azerbaijani Foreign Ministers Ararat Mirzoyan and Jeyhun Bayramov on 19 September.',
        ),
        p(
          '‘As I conveyed during the meeting, it is time for troops to disengage and diplomats to return to the table’, Blinken wrote on Twitter after the meeting.',
        ),
        p(
          'According to an official statement from the Armenian Foreign Ministry, Ararat Mirzoyan ‘highlighted the importance of the immediate resolution of humanitarian issues, including the repatriation of prisoners of war’.',
        ),
        p(
          '‘During the course of the meeting, Mirzoyan underscored that Azerbaijani armed forces must withdraw from the sovereign territory of the Republic of Armenia, that the use of force or the threat of force is unacceptable, and that international mechanisms must be implemented to prevent further escalations’, the statement reads.',
        ),
        p(
          'Azerbaijani Foreign Minister Bayramov additionally stated that Azerbaijan ‘is not interested in destabilisation’, as the country ‘is carrying out large-scale reconstruction work in the region and settling former internally displaced persons’.',
        ),
        p(
          'During the meeting, Bayramov noted that a ceasefire was announced a few hours after the start of the military clashes, but claimed that it had been violated by the Armenian side.',
        ),
        p(
          'Bayramov appears to be referring to a failed Russian-brokered ceasefire on the morning of 13 September.',
        ),
        p(
          'The meeting came less than a week after Azerbaijan attacked Armenian military positions and civilian infrastructure on their shared border — a two-day war that claimed the lives of over 200 between 13 and 14 September.',
        ),
        p(
          'Armenia has claimed 207 deaths or missing persons and at least 20 soldiers taken prisoner by Azerbaijan, in addition to three civilians killed and two missing, and around a dozen civilian injuries. Azerbaijan has reported that 80 of its service members were killed during the fighting, while 282 other soldiers and two civilians were injured.',
        ),
        { type: 'factTable', factTable: 'september-2022-clashes-casualties' },
        { type: 'heading', level: 2, text: 'US condemns ‘invasion of Armenia’' },
        p(
          'Two days following the end of the fighting, US House Speaker Nancy Pelosi visited Armenia, in a trip planned prior to the recent conflict. While in Yerevan, she explicitly blamed Azerbaijan for its ‘invasion of Armenia’. Pelosi and her delegation made reference on several occasions to the failure of Armenia’s current security arrangements with Russia and the Russian-led Collective Security Treaty Organisation (CSTO), while maintaining that such arrangements were a matter for Armenia to decide.',
        ),
        p(
          'In response to Pelosi’s appearance in the Armenian capital, Azerbaijan’s Ministry of Foreign Affairs called the House Speaker’s accusations ‘groundless and unfair’.',
        ),
        {
          type: 'quote',
          html: 'The statement made by Nancy Pelosi, which distorts the situation in the region, is deeply regrettable. The groundless and unfair accusations made by Pelosi against Azerbaijan are unacceptable.',
          attribution: 'Azerbaijan’s Ministry of Foreign Affairs',
        },
        p(
          'The Azerbaijani ministry also accused Pelosi of catering to the Armenian community in the United States.',
        ),
        p(
          '‘Pelosi is known as a pro-Armenian politician, and the presence of pro-Armenian members of Congress in her delegation directly demonstrates this’, the statement continued.',
        ),
        {
          type: 'related',
          article: 'pelosi-condemns-baku-and-pledges-support-for-armenia',
          label: 'Read more',
        },
        p(
          'The disputed region’s president, Arayik Harutyunyan, held a press conference stating that Armenia is ‘facing a new war’ that could be ‘more devastating’ than the Second Nagorno-Karabakh War in 2020. He added that ‘hostile foreign forces’ are trying to ‘undermine the role of the Russian peacekeeping mission and create mistrust towards Russia [in Nagorno-Karabakh]’.',
        ),
      ],
    },
  },
}

/** In dependency order: an article's related links must exist before it. */
export const DEMO_ARTICLES = [LIVE, FOOTAGE, PODCAST, OPINION, PELOSI, MAIN]

/** The seed page lists "Editor's Picks" without items; the demo picks the analysis pieces around the main story. */
export const EDITORS_PICKS = [OPINION.input.slug, PODCAST.input.slug, FOOTAGE.input.slug] as string[]
