/**
 * Plausible view counts for the demo, so that Most Popular and trending are not empty on a fresh start: the last
 * 72 hours before the seed time, each article with its own level of interest, fading with age. Deterministic.
 */
import { type Delta, HOUR_MS } from '../popularity/counter.js'
import { FOOTAGE, LIVE, MAIN, OPINION, PELOSI, PODCAST } from './data.js'

const INTEREST: [string, number][] = [
  [MAIN.id, 42],
  [FOOTAGE.id, 31],
  [LIVE.id, 19],
  [OPINION.id, 14],
  [PELOSI.id, 11],
  [PODCAST.id, 7],
]

export function demoViews(now: number): Delta[] {
  const currentHour = now - (now % HOUR_MS)
  const deltas: Delta[] = []
  INTEREST.forEach(([articleId, perHour], a) => {
    for (let h = 0; h < 72; h++) {
      const wobble = 0.6 + (((h * 37 + a * 11) % 11) / 10) * 0.8
      const views = Math.round(perHour * wobble * 0.97 ** h)
      if (views === 0) continue
      deltas.push({
        articleId,
        hour: currentHour - h * HOUR_MS,
        views,
        uniques: Math.round(views * 0.82),
        botViews: Math.round(views * 0.15),
      })
    }
  })
  return deltas
}
