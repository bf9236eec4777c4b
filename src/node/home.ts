/**
 * A node's home directory ($OOS_HOME, default ~/.oosnet):
 *
 *   config.json   public facts: org did, name, node peer id (mode 0600 like the rest)
 *   org.key       the org's Ed25519 signing key, encrypted (protocol/IDENTITY.md)
 *   node.key      the libp2p peer key (Ed25519 seed), encrypted with the same passphrase
 *   db/           the LevelDB store
 *   api.json      while a node runs: its API address and bearer token (mode 0600)
 *   audit/        the audit log of ingest decisions, violations and bans (audit.ts)
 */
import { mkdir, readFile, writeFile, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { generateKeyPair, publicKeyToDid } from '../identity/index.ts'
import { readKeystore, writeKeystore } from './keyfile.ts'
import { HomeCorruptError, HomeExistsError, HomeNotFoundError } from './errors.ts'

export interface HomeConfig {
  version: 1
  name: string
  /** the org's did:key */
  org: string
  /** the node's libp2p peer id */
  peerId: string
  createdAt: string
}

export const homePaths = (dir: string) => ({
  dir,
  config: join(dir, 'config.json'),
  orgKey: join(dir, 'org.key'),
  nodeKey: join(dir, 'node.key'),
  db: join(dir, 'db'),
  api: join(dir, 'api.json'),
  audit: join(dir, 'audit')
})

/** --home, else $OOS_HOME, else ~/.oosnet */
export function resolveHome (flag?: string): string {
  return resolve(flag ?? process.env.OOS_HOME ?? join(homedir(), '.oosnet'))
}

async function exists (path: string): Promise<boolean> {
  return await stat(path).then(() => true, () => false)
}

export async function peerKeyFromSeed (seed: Uint8Array): Promise<PrivateKey> {
  return await generateKeyPairFromSeed('Ed25519', seed)
}

export interface InitOptions {
  name: string
  passphrase: string
  /** scrypt cost (default: the keystore's); tests use a low one */
  scryptN?: number
}

/** Create a home: org key, node key, config. Refuses to touch an existing home. */
export async function initHome (dir: string, options: InitOptions): Promise<HomeConfig> {
  const p = homePaths(dir)
  if (await exists(p.config) || await exists(p.orgKey)) throw new HomeExistsError(`${dir} already holds an oosnet home; refusing to overwrite it`)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const org = generateKeyPair()
  const node = generateKeyPair()
  const peerId = peerIdFromPrivateKey(await peerKeyFromSeed(node.secretKey)).toString()
  const did = publicKeyToDid(org.publicKey)
  const ks = options.scryptN === undefined ? {} : { scryptN: options.scryptN }
  await writeKeystore(p.orgKey, { secretKey: org.secretKey, meta: { purpose: 'org', name: options.name } }, options.passphrase, ks)
  await writeKeystore(p.nodeKey, { secretKey: node.secretKey, meta: { purpose: 'node', peerId } }, options.passphrase, ks)
  org.secretKey.fill(0)
  node.secretKey.fill(0)
  const config: HomeConfig = { version: 1, name: options.name, org: did, peerId, createdAt: new Date().toISOString() }
  await writeFile(p.config, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 })
  return config
}

export async function loadHome (dir: string): Promise<HomeConfig> {
  const p = homePaths(dir)
  let text: string
  try {
    text = await readFile(p.config, 'utf8')
  } catch {
    throw new HomeNotFoundError(`no oosnet home at ${dir} (run 'oos init --name NAME', or pass --home / set OOS_HOME)`)
  }
  try {
    const c = JSON.parse(text)
    if (c.version !== 1 || typeof c.org !== 'string' || typeof c.peerId !== 'string') throw new HomeCorruptError('fields missing')
    return c as HomeConfig
  } catch (err) {
    throw new HomeCorruptError(`${p.config} is not a valid oosnet config: ${(err as Error).message}`)
  }
}

export async function unlockOrgKey (dir: string, passphrase: string): Promise<Uint8Array> {
  return (await readKeystore(homePaths(dir).orgKey, passphrase)).secretKey
}

export async function unlockNodeKey (dir: string, passphrase: string): Promise<PrivateKey> {
  const { secretKey } = await readKeystore(homePaths(dir).nodeKey, passphrase)
  return await peerKeyFromSeed(secretKey)
}
