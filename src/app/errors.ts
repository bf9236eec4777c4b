import { errorClass } from '../errors.ts'

/** 409: what we published collided with another version of the same seq held here (kept only as an equivocation proof). */
export class PublishConflictError extends errorClass('PublishConflictError', 'PUBLISH_CONFLICT') {}
