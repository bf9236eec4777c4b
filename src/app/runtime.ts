/**
 * What runs a node, loaded only by the commands that run one (libp2p takes half the start-up
 * time of the others): the node and `createNode`, which builds it, a throw-away node, and the
 * app over a running node.
 */
export { OosNode, type OosNodeInit } from '../node/node.ts'
export type { OosNodeEvents } from '../node/events.ts'
export { createNode, type NodeConfig } from '../node/create.ts'
export { ephemeralNode, type EphemeralNode } from '../node/ephemeral.ts'
export { nodeApp, type NodeAppInit } from './node.ts'
export { memoryReducer, type MemoryReducer } from '../node/memory-reducer.ts'

/** A Prometheus registry for `createNode({ registry })` (prom-client is loaded by the nodes that have metrics only). */
export async function metricsRegistry (): Promise<import('prom-client').Registry> {
  const { Registry } = await import('prom-client')
  return new Registry()
}
