/**
 * The org key: who signs (the inception key or, after a rotation, the key that names itself),
 * and key rotation with pre-rotation (protocol/TRUST.md §5), with the node stopped: the
 * running node signs with the key in its memory.
 */
import { rename, unlink } from 'node:fs/promises'
import type { CID } from 'multiformats/cid'
import { generateKeyPair, keyPairFromSeed, publicKeyToDid } from '../identity/index.ts'
import { readKeystore, writeKeystore } from '../node/keyfile.ts'
import { InvalidArgumentError, UsageError } from '../errors.ts'
import { homePaths } from '../node/home.ts'
import { keyDigest, keyState, makeRotation, type RotationInfo } from '../trust/keys.ts'
import type { OrgSigner } from './local.ts'
import { withHome } from './offline.ts'

/** The signer for a secret key: it names itself (`key`) when it is not the inception key (after a rotation). */
export function orgSigner (secretKey: Uint8Array, org: string): OrgSigner {
  const did = publicKeyToDid(keyPairFromSeed(secretKey).publicKey)
  return did === org ? { secretKey } : { secretKey, key: did }
}

export interface RotateKeyInput {
  /** the passphrase of the home's org.key (the new org key is written under it too) */
  passphrase: string
  /** the keystore of the key committed in the last rotation; required once one was committed */
  nextKey?: string
  /** where the new committed next key is written (encrypted; to be moved offline) */
  nextKeyOut: string
  reason: string
  /** the first version the new key signs (default: the next one) */
  effectiveSeq?: number
  /** the keystores' scrypt cost (tests lower it) */
  scryptN?: number
  /** asked when `nextKey` is given, after the org key was checked */
  nextKeyPassphrase: (path: string) => Promise<string>
  /** asked for the new next key's passphrase, once everything was checked */
  newNextPassphrase: () => Promise<string>
  signal?: AbortSignal
}

export interface RotateKeyResult {
  org: string
  /** the rotation record */
  cid: CID
  rotation: RotationInfo
  /** sha2-256 of the committed next key, hex */
  committedNextKey?: string
}

/**
 * Rotate the home's org key: the keys go to disk first (aside), the rotation is ingested, then
 * the files are put in place; on any failure nothing of the home changes. Every secret is
 * zeroed before returning.
 */
export async function rotateKey (home: string, input: RotateKeyInput): Promise<RotateKeyResult> {
  const paths = homePaths(home)
  const ks = input.scryptN !== undefined ? { scryptN: input.scryptN } : {}
  const current = await readKeystore(paths.orgKey, input.passphrase)
  const secrets: Uint8Array[] = [current.secretKey]
  const newOrgKey = `${paths.orgKey}.new`
  const newNext = `${input.nextKeyOut}.new`
  try {
    return await withHome(home, async ({ config, store, ingest }) => {
      const state = await keyState(store, config.org)
      if (current.did !== state.current) throw new InvalidArgumentError(`org.key holds ${current.did}, but the org's current key is ${state.current}`)
      let newSecret: Uint8Array
      if (input.nextKey !== undefined) {
        const committed = await readKeystore(input.nextKey, await input.nextKeyPassphrase(input.nextKey))
        secrets.push(committed.secretKey)
        if (state.committedNextKey !== undefined && Buffer.from(keyDigest(committed.publicKey)).toString('hex') !== state.committedNextKey) {
          throw new InvalidArgumentError(`${input.nextKey} holds ${committed.did}, which is not the key this org committed to`)
        }
        newSecret = committed.secretKey
      } else {
        if (state.committedNextKey !== undefined) throw new UsageError('this org committed to its next key in its last rotation: pass that key with --next-key FILE (the file rotate-key wrote last time)')
        newSecret = generateKeyPair().secretKey
        secrets.push(newSecret)
      }
      const next = generateKeyPair()
      secrets.push(next.secretKey)
      const nextPass = await input.newNextPassphrase()
      await writeKeystore(newOrgKey, { secretKey: newSecret, meta: { purpose: 'org', name: config.name } }, input.passphrase, { ...ks, overwrite: true })
      await writeKeystore(newNext, { secretKey: next.secretKey, meta: { purpose: 'org-next', org: config.org } }, nextPass, { ...ks, overwrite: true })
      const bytes = await makeRotation({ org: config.org, oldSecret: current.secretKey, newSecret, nextKeyDigest: keyDigest(next.publicKey), ...(input.effectiveSeq !== undefined ? { effectiveSeq: input.effectiveSeq } : {}), reason: input.reason }, store)
      const r = await ingest.ingest(bytes, { source: 'local', from: 'cli', signal: input.signal })
      await rename(newOrgKey, paths.orgKey)
      await rename(newNext, input.nextKeyOut)
      const after = await keyState(store, config.org)
      return { org: config.org, cid: r.cid, rotation: after.rotations[after.rotations.length - 1], committedNextKey: after.committedNextKey }
    })
  } finally {
    for (const s of secrets) s.fill(0)
    await unlink(newOrgKey).catch(() => {})
    await unlink(newNext).catch(() => {})
  }
}
