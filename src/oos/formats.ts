/**
 * The exact string grammars of the body's `date-time` and `uuid` formats (protocol/BODY.md
 * §7.5, rules R-B7.5.1 and R-B7.5.2), checked by our own code rather than by a library's
 * reading of RFC 3339 / RFC 4122 (ajv-formats accepts a space for `T`, a lowercase `t`/`z`
 * and a `urn:uuid:` prefix; a second implementation must not have to guess that).
 */

/** `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`: uppercase `T` and `Z`, seconds 00–59 (no leap second). */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(\.\d{1,9})?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** R-B7.5.1: an RFC 3339 `date-time` in the profile above, with a day that exists in its month. */
export function isDateTime (s: string): boolean {
  const m = DATE_TIME.exec(s)
  if (m === null) return false
  const year = Number(m[1])
  const month = Number(m[2])
  const day = Number(m[3])
  if (month < 1 || month > 12 || day < 1) return false
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  return day <= (month === 2 && leap ? 29 : DAYS[month - 1])
}

/** R-B7.5.2: 8-4-4-4-12 hexadecimal digits (either case), nothing before or after. */
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

export function isUuid (s: string): boolean {
  return UUID.test(s)
}
