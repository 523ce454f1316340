import { BaseError } from '../lib/errors.ts'

/** A market or parameter set the kernel cannot price with; `field` names the culprit. */
export class InvalidMarketError extends BaseError {
  override name = 'InvalidMarketError'
  /** Path of the offending field, e.g. `params.scanRange.ETH`. */
  readonly field: string

  constructor({ field, reason }: { field: string; reason: string }) {
    super(`${field}: ${reason}`)
    this.field = field
  }
}

/** A portfolio (CLI file or `margin_simulate` argument) that does not resolve. */
export class InvalidPortfolioError extends BaseError {
  override name = 'InvalidPortfolioError'
  /** Path of the offending field, e.g. `positions[2].instrument`. */
  readonly field: string

  constructor({ field, reason }: { field: string; reason: string }) {
    super(`${field}: ${reason}`)
    this.field = field
  }
}
