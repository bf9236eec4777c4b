// parse-prometheus-text-format ships no types: its output (prom2json's shape), as the tests read it
declare module 'parse-prometheus-text-format' {
  interface Sample { value: string, labels?: Record<string, string> }
  interface HistogramSample { buckets: Record<string, string>, count: string, sum: string, labels?: Record<string, string> }
  interface Family { name: string, help: string, type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED', metrics: Array<Sample | HistogramSample> }
  export default function parsePrometheusTextFormat (text: string): Family[]
}
