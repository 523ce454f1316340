/**
 * The governed perpetual-funding parameters (SPEC sections 6.3 and 7): their bounds, the dev
 * defaults and the one patch rule, shared by the genesis (genesis/validateMargin.ts) and by
 * governance (execution/governance/applyChange.ts), so a genesis holds nothing a proposal could
 * not. `fail(field, problem)` builds the error to throw; fields are named as in a change
 * document (`funding.maxRate`).
 */
import { isRecord, unknownKey } from '../lib/jsonKeys.ts'
import type { FundingConfig } from '../state/system/types.ts'
import { checkInterval, type Interval } from './riskParamBounds.ts'

type Fail = (field: string, problem: string) => Error

/** Every bound on `funding`. */
export const FUNDING_BOUNDS = {
  /** Seconds, an integer: from a minute to a day. */
  intervalSeconds: { lo: 60, hi: 86_400, integer: true } satisfies Interval,
  /** Share of the index per interval, either sign. */
  maxRate: { lo: 0, hi: 0.05 } satisfies Interval,
} as const

/** SPEC 6.3's dev defaults: hourly intervals, at most 5 bp an interval. */
export const DEV_FUNDING: FundingConfig = { intervalSeconds: 3600, maxRate: 0.0005 }

/** Throws `fail(field, problem)` for the first bound of {@link FUNDING_BOUNDS} `funding` breaks. */
export function checkFundingBounds(funding: FundingConfig, fail: Fail, path = 'funding'): void {
  if (!isRecord(funding)) throw fail(path, 'must be an object { intervalSeconds, maxRate }')
  checkInterval(funding.intervalSeconds, FUNDING_BOUNDS.intervalSeconds, fail, `${path}.intervalSeconds`)
  checkInterval(funding.maxRate, FUNDING_BOUNDS.maxRate, fail, `${path}.maxRate`)
}

/**
 * `base` with the members of the patch `v` (`{intervalSeconds?, maxRate?}`), checked against
 * {@link FUNDING_BOUNDS}.
 *
 * @example patchFunding(DEV_FUNDING, { maxRate: 0.001 }, fail) // { intervalSeconds: 3600, maxRate: 0.001 }
 */
export function patchFunding(base: FundingConfig, v: unknown, fail: Fail, path = 'funding'): FundingConfig {
  if (!isRecord(v)) throw fail(path, 'must be an object { intervalSeconds, maxRate }')
  const k = unknownKey(v, ['intervalSeconds', 'maxRate'])
  if (k !== undefined) throw fail(`${path}.${k}`, 'unknown field')
  if (v.intervalSeconds === undefined && v.maxRate === undefined) throw fail(path, 'must have intervalSeconds or maxRate')
  const next: FundingConfig = {
    intervalSeconds: v.intervalSeconds === undefined ? base.intervalSeconds : (v.intervalSeconds as number),
    maxRate: v.maxRate === undefined ? base.maxRate : (v.maxRate as number),
  }
  checkFundingBounds(next, fail, path)
  return next
}
