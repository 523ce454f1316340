/**
 * End-of-block option settlement (SPEC section 6): every option whose expiry has passed is
 * cash-settled at the oracle price into the settlement asset and its positions closed. Payoffs
 * round toward −∞ per account, so settlement never creates value (longs may lose dust, shorts pay
 * it). An option whose underlying price is stale waits ("no price older than maxOracleAge").
 */
import type { StateManagerInterface } from '@ethereumjs/common'
import type { Hex } from 'viem'
import { isStoreFailure } from '../../lib/errors.ts'
import { floorDiv, numberToWad, WAD } from '../../lib/fixed.ts'
import { UmaStore } from '../../state/system/umaStore.ts'
import { isStale } from '../oracle/isStale.ts'
import { settlementAssetOf } from './settleFill.ts'
import type { MarginEnv } from './types.ts'

export interface SettledOption {
  instrumentId: number
  /** Settlement price, wad. */
  price: bigint
  accounts: Hex[]
}

/** Settles every expired option with open positions; returns what it settled. */
export async function settleExpired(state: StateManagerInterface, env: MarginEnv, nowSeconds: bigint): Promise<SettledOption[]> {
  const config = await env.config(state)
  const usdc = settlementAssetOf(config)
  if (!usdc) return []
  const expired = config.market.instruments
    .filter((i) => i.type === 'option' && BigInt(i.expiry!) <= nowSeconds)
    .sort((a, b) => a.id - b.id)
  if (expired.length === 0) return []
  const prices = await env.prices(
    state,
    config.market.underlyings.map((u) => u.id),
  )
  const store = new UmaStore(state)
  const settled: SettledOption[] = []
  for (const inst of expired) {
    const holders = (await store.holders(inst.id)).sort()
    if (holders.length === 0) continue
    const u = config.market.underlyings.find((x) => x.symbol === inst.underlying)!
    const p = prices.get(u.id)
    if (p === undefined || isStale(p.timestamp, nowSeconds, config.riskParams.maxOracleAge)) continue
    const strike = numberToWad(inst.strike!)
    const intrinsic = inst.kind === 'call' ? p.priceWad - strike : strike - p.priceWad
    const payoff = intrinsic > 0n ? intrinsic : 0n
    // One instrument at a time in its own checkpoint: one that cannot settle (a payoff out of
    // range) is rolled back and waits, and the rest of the block's pass goes on.
    await state.checkpoint()
    try {
      for (const account of holders) {
        const pos = await store.position(account, inst.id)
        if (payoff !== 0n) await store.addBalance(account, usdc.id, floorDiv(pos.size * payoff, WAD))
        await store.setPosition(account, inst.id, 0n, 0n)
      }
      await state.commit()
    } catch (err) {
      await state.revert()
      if (isStoreFailure(err)) throw err
      continue
    }
    settled.push({ instrumentId: inst.id, price: p.priceWad, accounts: holders })
  }
  return settled
}
