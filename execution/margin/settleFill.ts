/**
 * One trade between two accounts as the UMA books it (SPEC section 4, `settleTrade`): both sides'
 * positions move by `size` at `price` (perps realise P&L into the settlement asset when reduced),
 * and for options the buyer pays `size × price` to the seller at once. Used by `settleTrade` and
 * by liquidation, which closes positions as trades with the insurance fund at mark. A perp
 * side first settles the funding its position owes (SPEC 6.3, funding.ts) and restarts its
 * entry index at the perp's cumulative funding.
 */

import type { Hex } from 'viem'
import { checkWad, WAD } from '../../lib/fixed.ts'
import type { GovernedConfig } from '../../state/system/types.ts'
import type { UmaStore } from '../../state/system/umaStore.ts'
import { applyFill } from './applyFill.ts'
import { type FundingPayment, recordFill, settleFunding } from './funding.ts'

/** The settlement asset (USDC): premiums, realised P&L, option payoffs and penalties are paid in it. */
export function settlementAssetOf(config: GovernedConfig): { id: number; symbol: string } | undefined {
  return config.market.assets.find((a) => a.symbol === 'USDC')
}

/** Where a fill happens: its block's time and whether it is a venue's trade (it sets the mark). */
export interface FillContext {
  timestamp: bigint
  /** A trade a venue settled (SPEC 6.3: the mark is their VWAP); false for liquidation closures. */
  marksPrice: boolean
}

/**
 * @param size wad, > 0: `buyer` gets +size, `seller` −size
 * @param price wad per unit
 * @param settlementAssetId the asset premiums, realised P&L and funding are paid in (USDC)
 * @returns the funding each perp side paid (for `FundingPaid` events; amount 0: nothing owed)
 */
export async function settleFill(
  store: UmaStore,
  trade: { buyer: Hex; seller: Hex; instrumentId: number; isOption: boolean; size: bigint; price: bigint },
  settlementAssetId: number,
  config: GovernedConfig,
  at: FillContext,
): Promise<FundingPayment[]> {
  const { buyer, seller, instrumentId, isOption, size, price } = trade
  const payments: FundingPayment[] = []
  const cumulative = isOption ? 0n : await store.cumulativeFunding(instrumentId)
  for (const [account, signed] of [
    [buyer, size],
    [seller, -size],
  ] as const) {
    const pos = await store.position(account, instrumentId)
    const fill = applyFill(pos.size, pos.entryPrice, signed, price, !isOption)
    if (!isOption) {
      const entryFunding = pos.entryFunding ?? 0n
      if (pos.size !== 0n)
        payments.push(await settleFunding(store, { account, instrumentId, size: pos.size, entryFunding }, cumulative, settlementAssetId))
      const nextIndex = fill.size === 0n ? 0n : cumulative
      if (nextIndex !== entryFunding) await store.setEntryFunding(account, instrumentId, nextIndex)
    }
    await store.setPosition(account, instrumentId, fill.size, fill.entryPrice)
    if (fill.realizedPnl !== 0n) await store.addBalance(account, settlementAssetId, checkWad(fill.realizedPnl, 'realized P&L'))
  }
  if (isOption) {
    const premium = checkWad((size * price) / WAD, 'premium')
    await store.addBalance(buyer, settlementAssetId, -premium)
    await store.addBalance(seller, settlementAssetId, premium)
  } else if (at.marksPrice) {
    await recordFill(store, instrumentId, size, price, at.timestamp, config.funding)
  }
  return payments
}
