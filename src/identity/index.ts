/** Organization identity: did:key, Ed25519 keys and signatures, the encrypted keystore. */
export { DID_KEY_LENGTH, DID_KEY_PREFIX, didToPublicKey, isDid, publicKeyToDid } from './did.ts'
export { clearVerifyCache, generateKeyPair, keyPairFromSeed, sign, signNoble, verify, VERIFY_CACHE_SIZE, verifyCacheSize, verifyNoble } from './keys.ts'
export type { KeyPair } from './keys.ts'
export {
  DEFAULT_SCRYPT_N, inspectKeystore, keystoreAad, MAX_SCRYPT_N, MIN_SCRYPT_N, openKeystore,
  sealKeystore, serializeKeystore
} from './keystore.ts'
export type { KeystoreContents, KeystoreFile, KeystoreInfo, KeystoreMeta, SealOptions, WriteOptions } from './keystore.ts'
export {
  InvalidDidError, KeystoreCorruptError, KeystoreExistsError, KeystoreExposedError, KeystoreNotFoundError,
  WrongPassphraseError
} from './errors.ts'
