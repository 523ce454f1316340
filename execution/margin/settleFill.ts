/**
 * One trade between two accounts as the UMA books it (SPEC section 4, `settleTrade`): both sides'
 * positions move by `size` at `price` (perps realise P&L into the settlement asset when reduced),
 * and for options the buyer pays `size × price` to the seller at once. Used by `settleTrade` and
 * by liquidation, which closes positions as trades with the insurance fund at mark.
 */
import { checkWad, WAD } from '../../lib/fixed.ts'
import type { GovernedConfig } from '../../genesis/marginTypes.ts'
import type { UmaStore } from '../../state/umaStore.ts'
import type { Hex } from 'viem'
import { applyFill } from './applyFill.ts'

/** The settlement asset (USDC): premiums, realised P&L, option payoffs and penalties are paid in it. */
export function settlementAssetOf(config: GovernedConfig): { id: number; symbol: string } | undefined {
  return config.market.assets.find((a) => a.symbol === 'USDC')
}

/**
 * @param size wad, > 0: `buyer` gets +size, `seller` −size
 * @param price wad per unit
 * @param settlementAssetId the asset premiums and realised P&L are paid in (USDC)
 */
export async function settleFill(
  store: UmaStore,
  trade: { buyer: Hex; seller: Hex; instrumentId: number; isOption: boolean; size: bigint; price: bigint },
  settlementAssetId: number,
): Promise<void> {
  const { buyer, seller, instrumentId, isOption, size, price } = trade
  for (const [account, signed] of [
    [buyer, size],
    [seller, -size],
  ] as const) {
    const pos = await store.position(account, instrumentId)
    const fill = applyFill(pos.size, pos.entryPrice, signed, price, !isOption)
    await store.setPosition(account, instrumentId, fill.size, fill.entryPrice)
    if (fill.realizedPnl !== 0n) await store.addBalance(account, settlementAssetId, checkWad(fill.realizedPnl, 'realized P&L'))
  }
  if (isOption) {
    const premium = checkWad((size * price) / WAD, 'premium')
    await store.addBalance(buyer, settlementAssetId, -premium)
    await store.addBalance(seller, settlementAssetId, premium)
  }
}
