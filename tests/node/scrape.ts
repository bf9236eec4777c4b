/**
 * A Prometheus scrape, parsed by a Prometheus text-format parser (parse-prometheus-text-format,
 * prom2json's output), and read: a sample's value, summed over the series whose labels match.
 *
 * That parser folds a histogram family into one sample and loses the `_count` and `_sum` of
 * labelled series (its flattenMetrics keeps only unlabelled ones), so a histogram's series are
 * read as the untyped samples they are on the wire: its `# TYPE … histogram` line is set aside
 * (the family's type is kept in `types`) and `name_bucket`, `name_sum`, `name_count` parse as
 * samples of their own, with every label.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format'

type Family = ReturnType<typeof parsePrometheusTextFormat>[number]
export interface Families { samples: Map<string, Family>, types: Map<string, Family['type']> }

export function parseScrape (text: string): Families {
  const types = new Map(parsePrometheusTextFormat(text).map(f => [f.name, f.type]))
  const samples = new Map<string, Family>()
  // series of several label sets interleave (`_bucket`, `_sum`, `_count` of one, then of the next): one family per name
  for (const f of parsePrometheusTextFormat(text.replace(/^# TYPE (\S+) histogram$/gm, ''))) {
    const seen = samples.get(f.name)
    if (seen === undefined) samples.set(f.name, f)
    else seen.metrics.push(...f.metrics)
  }
  return { samples, types }
}

const matches = (labels: Record<string, string> | undefined, want: Record<string, string>): boolean =>
  Object.entries(want).every(([k, v]) => labels?.[k] === v)

/** The sum of a counter's or gauge's series whose labels include `labels` (0 when there is none). */
export function value (scrape: Families, name: string, labels: Record<string, string> = {}): number {
  const f = scrape.samples.get(name)
  if (f === undefined) return 0
  return f.metrics.filter(m => matches(m.labels, labels)).reduce((sum, m) => sum + Number('value' in m ? m.value : NaN), 0)
}

/** How many observations the series of histogram `name` whose labels include `labels` hold. */
export function observations (scrape: Families, name: string, labels: Record<string, string> = {}): number {
  if (scrape.types.get(name) !== 'HISTOGRAM') throw new Error(`${name} is not a histogram in this scrape`)
  return value(scrape, `${name}_count`, labels)
}
