/**
 * The option expiry calendar of SPEC 6.4, in integer arithmetic only (no `Date`, no float): a
 * weekly expiry is a Friday at 08:00 UTC, a monthly one the last Friday of a month at 08:00 UTC.
 * Times are unix seconds (safe integers); days are counted from 1970-01-01, a Thursday. The
 * civil-date conversions are Howard Hinnant's `days_from_civil` / `civil_from_days`.
 */
import { WAD } from '../lib/fixed.ts'

/** Seconds in a day. */
export const DAY_SECONDS = 86_400
/** Seconds in a week. */
export const WEEK_SECONDS = 7 * DAY_SECONDS
/** Expiry time of day: 08:00 UTC, in seconds after midnight. */
export const EXPIRY_SECOND_OF_DAY = 8 * 3_600
/** The first Friday 08:00 UTC of unix time: 1970-01-02T08:00:00Z. */
const FIRST_FRIDAY = DAY_SECONDS + EXPIRY_SECOND_OF_DAY

/** `a` divided by `b > 0`, rounded towards −∞ (integers in, integer out). */
function floorDiv(a: number, b: number): number {
  const q = Math.trunc(a / b)
  return q * b > a ? q - 1 : q
}

/** Day number (days since 1970-01-01) of the civil date `year-month-day` (month 1–12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = floorDiv(y, 400)
  const yoe = y - era * 400
  const mp = month > 2 ? month - 3 : month + 9
  const doy = floorDiv(153 * mp + 2, 5) + day - 1
  const doe = yoe * 365 + floorDiv(yoe, 4) - floorDiv(yoe, 100) + doy
  return era * 146_097 + doe - 719_468
}

/** The civil date `{year, month (1–12), day}` of day number `days`. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468
  const era = floorDiv(z, 146_097)
  const doe = z - era * 146_097
  const yoe = floorDiv(doe - floorDiv(doe, 1_460) + floorDiv(doe, 36_524) - floorDiv(doe, 146_096), 365)
  const doy = doe - (365 * yoe + floorDiv(yoe, 4) - floorDiv(yoe, 100))
  const mp = floorDiv(5 * doy + 2, 153)
  const day = doy - floorDiv(153 * mp + 2, 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day }
}

/**
 * The first Friday 08:00 UTC strictly after `t` (unix seconds).
 *
 * @example nextWeeklyExpiry(1_767_225_600) // 2026-01-01T00:00Z → 1_767_340_800 (Fri 2026-01-02T08:00Z)
 */
export function nextWeeklyExpiry(t: number): number {
  return FIRST_FRIDAY + (floorDiv(t - FIRST_FRIDAY, WEEK_SECONDS) + 1) * WEEK_SECONDS
}

/** The first Friday 08:00 UTC at or after `t`. */
export function weeklyExpiryOnOrAfter(t: number): number {
  return nextWeeklyExpiry(t - 1)
}

/** Whether the Friday-08:00 expiry `expiry` is the last Friday of its month (a week later is the next month). */
export function isMonthlyExpiry(expiry: number): boolean {
  const day = floorDiv(expiry, DAY_SECONDS)
  return civilFromDays(day).month !== civilFromDays(day + 7).month
}

/** The last Friday of `year-month` (month 1–12) at 08:00 UTC. */
export function lastFridayOfMonth(year: number, month: number): number {
  const lastDay = daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - 1
  // Weekday of day 0 (a Thursday) is 4 with Sunday = 0; Friday is 5.
  const weekday = (((lastDay + 4) % 7) + 7) % 7
  const back = (weekday - 5 + 7) % 7
  return (lastDay - back) * DAY_SECONDS + EXPIRY_SECOND_OF_DAY
}

/**
 * The next `n` weekly expiries (Fridays 08:00 UTC) strictly after `t`, ascending: the weekly
 * window at `t`. An expiry enters it at the block that first reaches the expiry `n` weeks earlier.
 */
export function weeklyWindow(t: number, n: number): number[] {
  const first = nextWeeklyExpiry(t)
  return Array.from({ length: n }, (_, i) => first + i * WEEK_SECONDS)
}

/** The next `m` monthly expiries (last Fridays of a month, 08:00 UTC) strictly after `t`, ascending. */
export function monthlyWindow(t: number, m: number): number[] {
  const out: number[] = []
  let { year, month } = civilFromDays(floorDiv(t, DAY_SECONDS))
  while (out.length < m) {
    const e = lastFridayOfMonth(year, month)
    if (e > t) out.push(e)
    month += 1
    if (month > 12) {
      month = 1
      year += 1
    }
  }
  return out
}

/**
 * The expiries a `{weekly: n, monthly: m}` schedule keeps listed at `t`: the union of both
 * windows, ascending and distinct (a weekly that is also its month's last Friday appears once).
 */
export function listingWindow(t: number, weekly: number, monthly: number): number[] {
  return [...new Set([...weeklyWindow(t, weekly), ...monthlyWindow(t, monthly)])].sort((a, b) => a - b)
}

/** `YYYYMMDD` of the UTC date of `t`, as in instrument names. */
export function utcDateCode(t: number): string {
  const { year, month, day } = civilFromDays(floorDiv(t, DAY_SECONDS))
  return `${String(year).padStart(4, '0')}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`
}

/**
 * A listed strike: `priceWad·(1 + pctWad/10^18)` rounded to a multiple of `tickWad`, half to even
 * (lib/fixed's rounding rule), in wad. Integer arithmetic only; 0 when it rounds to nothing.
 *
 * @example listingStrikeWad(3_049n * WAD, -(WAD / 5n), 100n * WAD) // 2400·10^18 (2439.2 → 2400)
 */
export function listingStrikeWad(priceWad: bigint, pctWad: bigint, tickWad: bigint): bigint {
  const num = priceWad * (WAD + pctWad)
  const den = WAD * tickWad
  if (num <= 0n) return 0n
  let q = num / den
  const twiceRem = 2n * (num - q * den)
  if (twiceRem > den || (twiceRem === den && (q & 1n) === 1n)) q += 1n
  return q * tickWad
}
