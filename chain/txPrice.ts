/**
 * What a pooled transaction pays, for the pool's choices: which transaction makes way when the
 * pool is full, and which one goes into a block first. Ordered as geth's txpool orders them
 * (`legacypool/list.go priceHeap.cmp`): by the tip the transaction pays at the base fee, then by
 * its fee cap, then by its tip cap.
 */

/** The fee fields of a transaction, in wei per gas (legacy: both are the gas price). */
export interface PricedTx {
  maxFee: bigint
  maxTip: bigint
}

/**
 * The tip per gas the transaction pays the block producer at `baseFee` (negative when its fee
 * cap is below the base fee: it cannot be included).
 *
 * @example effectiveTip({ maxFee: 10n, maxTip: 3n }, 8n) // 2n
 */
export function effectiveTip(p: PricedTx, baseFee: bigint): bigint {
  const room = p.maxFee - baseFee
  return room < p.maxTip ? room : p.maxTip
}

/**
 * Negative when `a` pays less than `b` at `baseFee`, positive when more, 0 when the same.
 *
 * @example comparePrice({ maxFee: 100n, maxTip: 1n }, { maxFee: 3n, maxTip: 2n }, 1n) // < 0
 */
export function comparePrice(a: PricedTx, b: PricedTx, baseFee: bigint): number {
  const ta = effectiveTip(a, baseFee)
  const tb = effectiveTip(b, baseFee)
  if (ta !== tb) return ta < tb ? -1 : 1
  if (a.maxFee !== b.maxFee) return a.maxFee < b.maxFee ? -1 : 1
  if (a.maxTip !== b.maxTip) return a.maxTip < b.maxTip ? -1 : 1
  return 0
}
