/**
 * Moved to the application layer (src/app/local.ts); kept as a re-export for the callers of
 * `localHandlers` while issue 13's branches merge. api/ itself is transport only.
 */
export { localApp as localHandlers, type OrgSigner } from '../app/local.ts'
