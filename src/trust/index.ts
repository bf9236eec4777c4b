/**
 * The trust layer's offline core (protocol/TRUST.md): signed statements, provenance
 * reports, adoption (the Merge Protocol, signed), trust settings, key rotation with
 * pre-rotation, equivocation proofs.
 */
export { makeEndorsement, makeRetraction, didOfSecret } from './statements.ts'
export type { EndorsementInput, RetractionInput, Stance } from './statements.ts'
export { provenanceReport, STALE_AFTER_MS, CONFIRMATIONS_NEEDED, MAX_DERIVATION_DEPTH } from './provenance.ts'
export type { ChainCheck, ChainVerifier, ProvenanceReport, ProvenanceOptions, EndorsementEntry, EndorsementStatus, DerivationNode, Verdict } from './provenance.ts'
export { adopt, nextClaimId, ADOPTED_SECTION } from './adopt.ts'
export type { AdoptResult, AdoptConflict, AdoptOptions, ConflictKind } from './adopt.ts'
export { loadTrustSettings, saveTrustSettings, setTrust, effectiveTrusted, trustView, trustPath, emptySettings } from './settings.ts'
export type { TrustSettings, TrustLevel, TrustRow } from './settings.ts'
export { makeRotation, keyDigest, keyState, equivocations } from './keys.ts'
export type { RotationInput, RotationInfo, KeyState, EquivocationProof } from './keys.ts'
export { Reader } from './reader.ts'
export type { ClaimInfo, Statement } from './reader.ts'
