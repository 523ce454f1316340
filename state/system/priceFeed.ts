/**
 * Plain data of the oracle: one feed per underlying, as stored by the Oracle precompile
 * (`0x…0a02`) and read by the margin kernel every block.
 */

/** The last accepted update of one underlying. */
export interface PriceFeed {
  /** Oracle id of the underlying (`Underlying.id`). */
  underlyingId: number
  /** USD per whole unit, wad (18 decimals). 0 when the underlying never had a price. */
  priceWad: bigint
  /** Annualised implied vol, wad (0.6 = 6·10^17). */
  volWad: bigint
  /** Unix seconds of the update (the signed timestamp). 0 when never set. */
  timestamp: bigint
}
