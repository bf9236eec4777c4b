/**
 * Typed errors of the identity module (protocol/IDENTITY.md §5). Callers switch on `code`.
 * No message ever contains a secret key, a derived key or a passphrase.
 *
 * - `InvalidDidError` (`INVALID_DID`): a string that is not a strict Ed25519 did:key.
 * - `WrongPassphraseError` (`WRONG_PASSPHRASE`): the keystore is intact but does not open with
 *   this passphrase (or it was deliberately altered, its checksum recomputed).
 * - `KeystoreCorruptError` (`KEYSTORE_CORRUPT`): not a keystore of a known format, or damaged.
 * - `KeystoreNotFoundError` (`KEYSTORE_NOT_FOUND`): no file at the path.
 * - `KeystoreExposedError` (`KEYSTORE_EXPOSED`): the file's mode gives group or others access.
 * - `KeystoreExistsError` (`KEYSTORE_EXISTS`): writing would replace a keystore (not asked to).
 */
import { errorClass } from '../errors.ts'

export class InvalidDidError extends errorClass('InvalidDidError', 'INVALID_DID') {}
export class WrongPassphraseError extends errorClass('WrongPassphraseError', 'WRONG_PASSPHRASE') {}
export class KeystoreCorruptError extends errorClass('KeystoreCorruptError', 'KEYSTORE_CORRUPT') {}
export class KeystoreNotFoundError extends errorClass('KeystoreNotFoundError', 'KEYSTORE_NOT_FOUND') {}
export class KeystoreExposedError extends errorClass('KeystoreExposedError', 'KEYSTORE_EXPOSED') {}
export class KeystoreExistsError extends errorClass('KeystoreExistsError', 'KEYSTORE_EXISTS') {}
