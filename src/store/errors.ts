/** The store's errors live in src/errors.ts (more than one layer raises them); re-exported here for the callers not yet changed. */
export { StoreNotStartedError, StoreLockedError } from '../errors.ts'
