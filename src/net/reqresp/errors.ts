/**
 * Typed errors of the request/response protocols (protocol/NETWORK-reqresp.md §6). One class
 * per condition, each with a stable `code`. The first five codes and `SLOW_READER` are also the
 * violation codes reported through `onViolation` and counted in `stats().violations`.
 */
import { errorClass } from '../../errors.ts'

/** the peer exceeded its request rate for a protocol (responder side) */
export class RateLimitedError extends errorClass('RateLimitedError', 'RATE_LIMITED') {}
/** a request that is not a well-formed request of the protocol (malformed frame, bad DAG-CBOR, schema) */
export class BadRequestError extends errorClass('BadRequestError', 'BAD_REQUEST') {}
/** a frame whose length prefix exceeds the cap of its protocol and direction */
export class FrameTooLargeError extends errorClass('FrameTooLargeError', 'FRAME_TOO_LARGE') {}
/** a response frame that is not what was asked for (wrong CID, org, kind or seq; not a record) */
export class UnexpectedBlockError extends errorClass('UnexpectedBlockError', 'UNEXPECTED_BLOCK') {}
/** no first response byte, or no complete response (or request), in time */
export class ReqRespTimeoutError extends errorClass('ReqRespTimeoutError', 'TIMEOUT') {}

/** the requester took no byte of the response for the stall timeout (responder side; a violation: NETWORK-reqresp.md §6) */
export class SlowReaderError extends errorClass('SlowReaderError', 'SLOW_READER') {}
/** the total (all peers) rate of a protocol is exhausted; the peer is not at fault */
export class OverloadedError extends errorClass('OverloadedError', 'OVERLOADED') {}
/** a length prefix that is not an unsigned varint (responder: BAD_REQUEST, requester: UNEXPECTED_BLOCK) */
export class MalformedFrameError extends errorClass('MalformedFrameError', 'MALFORMED_FRAME') {}
/** the stream ended inside a frame */
export class TruncatedFrameError extends errorClass('TruncatedFrameError', 'TRUNCATED_FRAME') {}
/** the remote reset the stream (a responder over its limits, or failing) */
export class StreamResetError extends errorClass('StreamResetError', 'STREAM_RESET') {}
/** the peer could not be dialled or does not speak the protocol */
export class DialFailedError extends errorClass('DialFailedError', 'DIAL_FAILED') {}
/** no stream to the peer within the dial timeout */
export class DialTimeoutError extends errorClass('DialTimeoutError', 'DIAL_TIMEOUT') {}
/** the caller's signal fired, or the service stopped */
export class RequestAbortedError extends errorClass('RequestAbortedError', 'ABORTED') {}
/** the service is not started */
export class NotStartedError extends errorClass('NotStartedError', 'NOT_STARTED') {}
