/**
 * The demo fact table: every casualty figure the seed page quotes, each as the claim its source made, recorded
 * when the article that reported it was published. The live update's figures are superseded by the later ones.
 */
import type { FigureCreate } from '../facts/schemas.js'
import { LIVE, MAIN } from './data.js'

export const FACTS = {
  parties: [
    { id: '01835000-0000-7000-8000-0000000d0001', slug: 'armenia', name: 'Armenia' },
    { id: '01835000-0000-7000-8000-0000000d0002', slug: 'azerbaijan', name: 'Azerbaijan' },
  ],
  sources: [
    {
      id: '01835000-0000-7000-8000-0000000d0101',
      slug: 'government-of-armenia',
      name: 'Government of Armenia',
      kind: 'government' as const,
      party: 'armenia',
    },
    {
      id: '01835000-0000-7000-8000-0000000d0102',
      slug: 'government-of-azerbaijan',
      name: 'Government of Azerbaijan',
      kind: 'government' as const,
      party: 'azerbaijan',
    },
    {
      id: '01835000-0000-7000-8000-0000000d0103',
      slug: 'oc-media',
      name: 'OC Media',
      kind: 'newsroom' as const,
      party: null,
    },
  ],
  table: {
    id: '01835000-0000-7000-8000-0000000d0201',
    slug: 'september-2022-clashes-casualties',
    title: 'Casualties of the September 2022 Azerbaijani attack on Armenia',
    methodology:
      'Each figure is one claim, in the claimant’s own words, as OC Media reported it. Claims by different sources are shown side by side and never summed, and killed-or-missing is never added to killed or missing. Armenia’s early count of "105 military casualties" (14 September) is recorded in the same killed-or-missing series as its later count of "207 deaths or missing persons", which continued it.',
  },
}

const MAIN_QUOTE =
  'Armenia has claimed 207 deaths or missing persons and at least 20 soldiers taken prisoner by Azerbaijan, in addition to three civilians killed and two missing, and around a dozen civilian injuries. Azerbaijan has reported that 80 of its service members were killed during the fighting, while 282 other soldiers and two civilians were injured.'
const LIVE_QUOTE =
  'Armenia has claimed 105 military casualties so far, while Azerbaijan has announced the death of 71 service members.'
const WAR_QUOTE =
  'The meeting came less than a week after Azerbaijan attacked Armenian military positions and civilian infrastructure on their shared border — a two-day war that claimed the lives of over 200 between 13 and 14 September.'

export interface DemoFigure {
  id: string
  /** When the reporting article was published: the figure was recorded, and known, from then. */
  recordedAt: string
  input: FigureCreate
}

const fromLive = (n: number, input: Omit<FigureCreate, 'asOf' | 'article' | 'quote'>): DemoFigure => ({
  id: `01833a4c-0000-7000-8000-0000000d03${String(n).padStart(2, '0')}`,
  recordedAt: LIVE.publishedAt,
  input: { ...input, asOf: LIVE.publishedAt, asOfPrecision: 'day', article: LIVE.id, quote: LIVE_QUOTE },
})
const fromMain = (
  n: number,
  input: Omit<FigureCreate, 'asOf' | 'article' | 'quote'>,
  quote = MAIN_QUOTE,
): DemoFigure => ({
  id: `01835d2a-0000-7000-8000-0000000d03${String(n).padStart(2, '0')}`,
  recordedAt: MAIN.publishedAt,
  input: { ...input, asOf: MAIN.publishedAt, asOfPrecision: 'day', article: MAIN.id, quote },
})

const armenia = { claimant: 'government-of-armenia' }
const azerbaijan = { claimant: 'government-of-azerbaijan' }

export const DEMO_FIGURES: DemoFigure[] = [
  fromLive(1, {
    ...armenia,
    metric: 'killed-or-missing',
    subject: 'armenia',
    category: 'military',
    value: { qualifier: 'exact', best: 105, text: '105 military casualties' },
  }),
  fromLive(2, {
    ...azerbaijan,
    metric: 'killed',
    subject: 'azerbaijan',
    category: 'military',
    value: { qualifier: 'exact', best: 71, text: 'the death of 71 service members' },
  }),
  fromMain(3, {
    ...armenia,
    metric: 'killed-or-missing',
    subject: 'armenia',
    category: 'military',
    value: { qualifier: 'exact', best: 207, text: '207 deaths or missing persons' },
  }),
  fromMain(4, {
    ...armenia,
    metric: 'captured',
    subject: 'armenia',
    category: 'military',
    counterparty: 'azerbaijan',
    value: { qualifier: 'at-least', low: 20, text: 'at least 20 soldiers taken prisoner' },
  }),
  fromMain(5, {
    ...armenia,
    metric: 'killed',
    subject: 'armenia',
    category: 'civilian',
    value: { qualifier: 'exact', best: 3, text: 'three civilians killed' },
  }),
  fromMain(6, {
    ...armenia,
    metric: 'missing',
    subject: 'armenia',
    category: 'civilian',
    value: { qualifier: 'exact', best: 2, text: 'two missing' },
  }),
  fromMain(7, {
    ...armenia,
    metric: 'wounded',
    subject: 'armenia',
    category: 'civilian',
    value: { qualifier: 'around', best: 12, text: 'around a dozen civilian injuries' },
  }),
  fromMain(8, {
    ...azerbaijan,
    metric: 'killed',
    subject: 'azerbaijan',
    category: 'military',
    value: { qualifier: 'exact', best: 80, text: '80 of its service members were killed' },
  }),
  fromMain(9, {
    ...azerbaijan,
    metric: 'wounded',
    subject: 'azerbaijan',
    category: 'military',
    value: { qualifier: 'exact', best: 282, text: '282 other soldiers' },
  }),
  fromMain(10, {
    ...azerbaijan,
    metric: 'wounded',
    subject: 'azerbaijan',
    category: 'civilian',
    value: { qualifier: 'exact', best: 2, text: 'two civilians were injured' },
  }),
  fromMain(
    11,
    {
      claimant: 'oc-media',
      metric: 'killed',
      subject: null,
      category: 'all',
      value: { qualifier: 'more-than', low: 200, text: 'over 200' },
    },
    WAR_QUOTE,
  ),
]
