/**
 * The query language a reader can type, parsed here and nowhere else: words (all must match), `"exact phrases"`,
 * `-excluded` words or phrases, `OR` between two terms, and the last word as a prefix (search as you type). Anything
 * else (stars, parentheses, `NEAR`, `column:`, SQL, an unbalanced quote) is plain words: only letters and digits
 * ever reach the engines.
 */
import type { EngineQuery, EngineTerm } from '../db/search.js'

/** Case and diacritics folded the way both engines fold them (`Bakú` → `baku`). */
export const fold = (text: string) =>
  text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()

export const wordsOf = (text: string) => fold(text).match(/[\p{L}\p{N}]+/gu) ?? []

/** At most this many terms: a longer query is a 400, not a slow one. */
export const MAX_TERMS = 32

export interface ParsedQuery extends EngineQuery {
  /** The terms in order, for "did you mean". */
  terms: { term: EngineTerm; excluded: boolean; or: boolean }[]
}

export class QueryError extends Error {}

export function parseQuery(input: string, { prefix = true } = {}): ParsedQuery {
  const terms: ParsedQuery['terms'] = []
  let i = 0
  let pendingOr = false
  const text = input.normalize('NFC')
  while (i < text.length) {
    while (i < text.length && /\s/u.test(text[i] as string)) i++
    if (i >= text.length) break
    let excluded = false
    if (text[i] === '-' && i + 1 < text.length && !/\s/u.test(text[i + 1] as string)) {
      excluded = true
      i++
    }
    let raw: string
    let quoted = false
    if (text[i] === '"' && text.indexOf('"', i + 1) > i) {
      const end = text.indexOf('"', i + 1)
      raw = text.slice(i + 1, end)
      i = end + 1
      quoted = true
    } else {
      const start = i
      while (i < text.length && !/\s/u.test(text[i] as string)) i++
      raw = text.slice(start, i)
    }
    if (!quoted && !excluded && raw === 'OR') {
      pendingOr = terms.length > 0
      continue
    }
    const words = wordsOf(raw)
    if (words.length === 0) continue
    terms.push({ term: { words, prefix: false }, excluded, or: pendingOr && !excluded })
    pendingOr = false
  }
  if (terms.length > MAX_TERMS) throw new QueryError(`at most ${MAX_TERMS} words and phrases`)
  // Search as you type: the last word, when the query does not end in a space or a closing quote.
  const last = terms.at(-1)
  if (
    prefix &&
    last &&
    !last.excluded &&
    last.term.words.length === 1 &&
    (last.term.words[0]?.length ?? 0) >= 2 &&
    !/[\s"]$/u.test(text)
  )
    last.term.prefix = true
  const groups: EngineTerm[][] = []
  for (const t of terms) {
    if (t.excluded) continue
    const previous = groups.at(-1)
    if (t.or && previous) previous.push(t.term)
    else groups.push([t.term])
  }
  if (groups.length === 0) throw new QueryError('needs at least one word to look for')
  return { groups, excluded: terms.filter((t) => t.excluded).map((t) => t.term), terms }
}

/** The query as a reader would type it (for `didYouMean`). */
export function formatQuery(parsed: ParsedQuery): string {
  return parsed.terms
    .map(({ term, excluded, or }) => {
      const text = term.words.length > 1 ? `"${term.words.join(' ')}"` : (term.words[0] as string)
      return `${or ? 'OR ' : ''}${excluded ? '-' : ''}${text}`
    })
    .join(' ')
}

/** Levenshtein distance, giving up (returning `limit + 1`) as soon as it must exceed `limit`. */
export function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    let best = i
    for (let j = 1; j <= b.length; j++) {
      const value = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
      current.push(value)
      if (value < best) best = value
    }
    if (best > limit) return limit + 1
    previous = current
  }
  return previous[b.length] as number
}

/** The closest word of `vocabulary` to `word` within one edit (words up to 5 letters) or two; null if none. */
export function closest(word: string, vocabulary: string[]): string | null {
  const limit = word.length <= 5 ? 1 : 2
  let best: string | null = null
  let bestDistance = limit + 1
  for (const candidate of vocabulary) {
    if (candidate === word) return null
    const d = editDistance(word, candidate, limit)
    if (d < bestDistance || (d === bestDistance && best !== null && candidate < best)) {
      best = candidate
      bestDistance = d
    }
  }
  return bestDistance <= limit ? best : null
}
