/**
 * Conversions between 18-decimal L2 amounts (`…Wad`) and L1 token base units (`…L1`).
 */

/**
 * An 18-decimal L2 amount in the L1 token's base units, rounded DOWN. The remainder (in wad) is
 * what cannot be paid on L1: it stays burned on L2 (the node may refuse or trim such withdrawals
 * at `withdraw` time so that it is always zero).
 *
 * @example
 * wadToL1(1_234_567_890_000_000_000n, 6) // { amountL1: 1_234_567n, remainderWad: 890_000_000_000n }
 */
export function wadToL1(amountWad: bigint, decimals: number): { amountL1: bigint; remainderWad: bigint } {
  if (amountWad < 0n) throw new RangeError('negative amount')
  if (decimals > 18) return { amountL1: amountWad * 10n ** BigInt(decimals - 18), remainderWad: 0n }
  const unit = 10n ** BigInt(18 - decimals)
  return { amountL1: amountWad / unit, remainderWad: amountWad % unit }
}

/**
 * An L1 amount in base units as an 18-decimal L2 amount (exact for decimals ≤ 18).
 *
 * @example
 * l1ToWad(1_500_000n, 6) // 1_500_000_000_000_000_000n (1.5 USDC)
 */
export function l1ToWad(amountL1: bigint, decimals: number): bigint {
  if (decimals > 18) return amountL1 / 10n ** BigInt(decimals - 18)
  return amountL1 * 10n ** BigInt(18 - decimals)
}
