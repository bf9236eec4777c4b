/**
 * libp2p's `Metrics` interface (@libp2p/interface), kept in memory: every registration is
 * recorded by name with its options, and each metric keeps what it was told (a counter's
 * total, a gauge's value, a histogram's observations; a group per key). Calculated metrics
 * keep their `calculate`, read when asked (`read`), as a Prometheus scrape would: a calculated
 * counter is incremented by what `calculate` returns (what was counted since the last read), as
 * @libp2p/prometheus-metrics does. This is the interface's contract, enough for libp2p itself
 * and for the node's services to run on.
 */
import type { Metrics, MetricOptions, MultiaddrConnection, Stream, StopTimer } from '@libp2p/interface'

type Kind = 'metric' | 'counter' | 'histogram' | 'summary'

/** one metric (or one key of a group): its running value and its observations */
class Value {
  value = 0
  observations: number[] = []
  update (v: number): void { this.value = v }
  increment (v = 1): void { this.value += v }
  decrement (v = 1): void { this.value -= v }
  observe (v: number): void { this.observations.push(v) }
  reset (): void { this.value = 0; this.observations = [] }
  timer (): StopTimer { const t = Date.now(); return () => { this.observe((Date.now() - t) / 1000) } }
}

class Group {
  readonly keys = new Map<string, Value>()
  private at (k: string): Value { let v = this.keys.get(k); if (v === undefined) { v = new Value(); this.keys.set(k, v) } return v }
  update (values: Record<string, number>): void { for (const [k, n] of Object.entries(values)) this.at(k).update(n) }
  increment (values: Record<string, number | true>): void { for (const [k, n] of Object.entries(values)) this.at(k).increment(n === true ? 1 : n) }
  decrement (values: Record<string, number | true>): void { for (const [k, n] of Object.entries(values)) this.at(k).decrement(n === true ? 1 : n) }
  observe (values: Record<string, number>): void { for (const [k, n] of Object.entries(values)) this.at(k).observe(n) }
  reset (): void { this.keys.clear() }
  timer (key: string): StopTimer { return this.at(key).timer() }
}

export interface Registration { kind: Kind, group: boolean, options: MetricOptions & { calculate?: () => unknown }, metric?: Value | Group, total?: number }

export class MemoryMetrics implements Metrics {
  readonly registered = new Map<string, Registration>()
  connections = 0
  streams = 0

  private register (kind: Kind, group: boolean, name: string, options: Registration['options'] = {}): any {
    if (this.registered.has(name)) throw new Error(`metric ${name} registered twice`)
    const metric = options.calculate !== undefined ? undefined : group ? new Group() : new Value()
    this.registered.set(name, { kind, group, options, metric })
    return metric
  }

  /** A metric's current value: a calculated one is calculated now. */
  async read (name: string): Promise<unknown> {
    const r = this.registered.get(name)
    if (r === undefined) return undefined
    if (r.options.calculate !== undefined && r.kind === 'counter' && !r.group) return (r.total = (r.total ?? 0) + (await r.options.calculate() as number))
    if (r.options.calculate !== undefined) return await r.options.calculate()
    return r.metric instanceof Value ? r.metric.value : Object.fromEntries([...(r.metric as Group).keys].map(([k, v]) => [k, v.value]))
  }

  trackMultiaddrConnection (_: MultiaddrConnection): void { this.connections++ }
  trackProtocolStream (_: Stream): void { this.streams++ }
  registerMetric = (name: string, options?: any): any => this.register('metric', false, name, options)
  registerMetricGroup = (name: string, options?: any): any => this.register('metric', true, name, options)
  registerCounter = (name: string, options?: any): any => this.register('counter', false, name, options)
  registerCounterGroup = (name: string, options?: any): any => this.register('counter', true, name, options)
  registerHistogram = (name: string, options?: any): any => this.register('histogram', false, name, options)
  registerHistogramGroup = (name: string, options?: any): any => this.register('histogram', true, name, options)
  registerSummary = (name: string, options?: any): any => this.register('summary', false, name, options)
  registerSummaryGroup = (name: string, options?: any): any => this.register('summary', true, name, options)
  traceFunction<F> (_: string, fn: F): F { return fn }
  createTrace (): undefined { return undefined }
}
