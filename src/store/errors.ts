import { errorClass } from '../errors.ts'

export class StoreNotStartedError extends errorClass('StoreNotStartedError', 'STORE_NOT_STARTED') {}
/** a store in memory would hold more than its `maxBytes` (StoreInit) */
export class StoreFullError extends errorClass('StoreFullError', 'STORE_FULL') {}
export class StoreLockedError extends errorClass('StoreLockedError', 'STORE_LOCKED') {}
