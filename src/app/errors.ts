import { errorClass } from '../errors.ts'

/** 409: what we published collided with another version of the same seq held here (kept only as an equivocation proof). */
export class PublishConflictError extends errorClass('PublishConflictError', 'PUBLISH_CONFLICT') {}

/**
 * 400: an ORG argument names several orgs known here; the message lists each candidate (did,
 * pseudonym, alias), and `details.candidates` has them as data: `[{ org, pseudonym?, alias?, trust }]`.
 */
export class AmbiguousOrgError extends errorClass('AmbiguousOrgError', 'AMBIGUOUS_ORG') {}

/** 400: a follow of our own org (always held and trusted; following it would be a no-op that hides mistakes). */
export class FollowSelfError extends errorClass('FollowSelfError', 'FOLLOW_SELF') {}
