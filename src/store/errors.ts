import { errorClass } from '../errors.ts'

export class StoreNotStartedError extends errorClass('StoreNotStartedError', 'STORE_NOT_STARTED') {}
export class StoreLockedError extends errorClass('StoreLockedError', 'STORE_LOCKED') {}
