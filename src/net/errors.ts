import { errorClass } from '../errors.ts'

export class BadAnnouncementError extends errorClass('BadAnnouncementError', 'BAD_ANNOUNCEMENT') {}
export class BadGossipError extends errorClass('BadGossipError', 'BAD_GOSSIP') {}
export class BadHeadRecordError extends errorClass('BadHeadRecordError', 'BAD_HEAD_RECORD') {}
