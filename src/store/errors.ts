import { errorClass } from '../errors.ts'

/** The store's errors live in src/errors.ts (more than one layer raises them); re-exported here for the callers not yet changed. */
export { StoreNotStartedError, StoreLockedError } from '../errors.ts'
/** a store in memory would hold more than its `maxBytes` (StoreInit) */
export class StoreFullError extends errorClass('StoreFullError', 'STORE_FULL') {}
