/**
 * Whether a price is too old to use (SPEC section 6, `maxOracleAge`): risk-increasing calls on
 * its underlying revert with `"stale oracle"` and its liquidations wait.
 */

/**
 * True when the price stamped `priceTimestamp` is older than `maxOracleAgeSeconds` at `now`
 * (all unix seconds), or was never set (timestamp 0). A price exactly `maxOracleAgeSeconds` old
 * is still fresh.
 *
 * @example isStale(1000n, 1061n, 60) // true
 */
export function isStale(priceTimestamp: bigint, now: bigint, maxOracleAgeSeconds: number | bigint): boolean {
  if (priceTimestamp === 0n) return true
  return now - priceTimestamp > BigInt(maxOracleAgeSeconds)
}
