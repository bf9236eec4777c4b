/**
 * The words of claim text, as search (search.ts) and similarity (similar.ts) compare them:
 * lower-cased, split on anything that is not a letter or a digit, English function words
 * dropped, and a light suffix stemmer so "templated", "templates" and "template" meet. It is
 * deliberately small and predictable (no dictionary): claims are short, and a better
 * comparison belongs in a pluggable scorer (similar.ts `Scorer`), not in the tokenizer.
 */

/**
 * Words that turn a statement around (SPEC-free heuristic, similar.ts): kept out of the
 * similarity vectors (they say nothing about the topic) but counted for a clause's polarity.
 */
export const NEGATIONS: ReadonlySet<string> = new Set(['no', 'not', 'never', 'without', 'none', 'neither', 'nor', 'cannot'])

const STOPWORDS: ReadonlySet<string> = new Set([
  'a', 'about', 'above', 'after', 'again', 'all', 'also', 'am', 'an', 'and', 'any', 'are', 'as', 'at', 'be', 'because', 'been',
  'before', 'being', 'below', 'between', 'both', 'but', 'by', 'can', 'could', 'did', 'do', 'does', 'doing', 'down', 'during', 'each',
  'either', 'else', 'even', 'every', 'few', 'for', 'from', 'further', 'had', 'has', 'have', 'having', 'he', 'her', 'here', 'hers', 'him',
  'his', 'how', 'i', 'if', 'in', 'into', 'is', 'it', 'its', 'itself', 'just', 'may', 'me', 'might', 'more', 'most', 'must', 'my', 'now',
  'of', 'off', 'on', 'once', 'one', 'only', 'or', 'other', 'our', 'ours', 'out', 'over', 'own', 'same', 'shall', 'she', 'should', 'so',
  'some', 'such', 'than', 'that', 'the', 'their', 'them', 'then', 'there', 'these', 'they', 'this', 'those', 'through', 'to', 'too',
  'under', 'until', 'up', 'us', 'very', 'was', 'we', 'were', 'what', 'when', 'where', 'which', 'while', 'who', 'whom', 'why', 'will',
  'with', 'would', 'you', 'your', 'yet', 'still', 'whatever', 'within', 'against', 'per', 'via', 'etc', 's', 't', 'nothing', 'nobody',
  ...NEGATIONS
])

/** [suffix, replacement], the first that fits is taken once; the stem keeps at least 3 letters. */
const SUFFIXES: ReadonlyArray<readonly [string, string]> = [
  ['ations', ''], ['ation', ''], ['ings', ''], ['ing', ''], ['ments', ''], ['ment', ''], ['ies', 'y'], ['ied', 'y'],
  ['ers', ''], ['er', ''], ['ed', ''], ['es', ''], ['ly', ''], ['al', ''], ['s', '']
]

/** A light stem of a lower-case word: one suffix off, a final e off, a doubled final consonant halved. */
export function stem (word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word
  let w = word
  for (const [suffix, by] of SUFFIXES) {
    if (!w.endsWith(suffix) || w.length - suffix.length < 3) continue
    if (suffix === 's' && /(ss|us|is)$/.test(w)) break
    w = w.slice(0, w.length - suffix.length) + by
    break
  }
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1)
  if (w.length > 3 && /([b-df-hj-np-tv-z])\1$/.test(w) && !w.endsWith('ll') && !w.endsWith('ss')) w = w.slice(0, -1)
  return w
}

/** Text normalized before splitting: lower case, "don't" → "do not", "timed out" → "timeout". */
export function normalize (text: string): string {
  return text.toLowerCase()
    .replace(/[’']/g, "'")
    .replace(/n't\b/g, ' not')
    .replace(/\btim(?:e|es|ed|ing) out\b/g, 'timeout')
    .replace(/\blook(?:s|ed|ing)? up\b/g, 'lookup')
}

/** Every word of the text, normalized but neither filtered nor stemmed (the polarity reads these). */
export function words (text: string): string[] {
  return normalize(text).match(/[\p{L}\p{N}]+(?:\.[\p{N}]+)?/gu) ?? []
}

/** The content terms of a text: words without function words and negations, stemmed. */
export function terms (text: string): string[] {
  return words(text).filter(w => !STOPWORDS.has(w)).map(stem)
}

/** MiniSearch's `processTerm`: a query or field word as it is indexed (null drops it). */
export function indexTerm (word: string): string | null {
  const w = normalize(word)
  return STOPWORDS.has(w) ? null : stem(w)
}

/**
 * The clauses of a text: sentences, split again at `;` and `:` and before "and" when a
 * negation follows ("… and no agent continues"); parenthesized lists and examples left out.
 */
export function clauses (text: string): string[] {
  return text.replace(/\s*\([^()]*\)/g, '')
    .split(/(?<=[.!?])\s+(?=[A-Z"])|;\s+|:\s+|\s+and\s+(?=(?:no|none|nothing|never|not)\s)/)
    .map(s => s.trim()).filter(s => s !== '')
}
