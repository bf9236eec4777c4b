/**
 * The home directory as the CLI sees it through the app: create it, find it, read its config,
 * unlock its keys (node/home.ts does the work; cli/ calls app/ only).
 */
export { homePaths, initHome, loadHome, resolveHome, unlockNodeKey, unlockOrgKey } from '../node/home.ts'
export type { HomeConfig, InitOptions } from '../node/home.ts'
export { nodeSettings, type NodeSettings } from './nodeconfig.ts'
