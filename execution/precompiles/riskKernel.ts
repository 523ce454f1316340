/**
 * The RiskKernel precompile at `0x…0a01` (SPEC section 4): an account's margin figures, computed
 * live from state at the calling block — the same kernel, prices and parameters as every check.
 */
import { type Hex, parseAbi } from 'viem'
import { RISK_KERNEL_ADDRESS } from '../../state/system/addresses.ts'
import { UmaStore } from '../../state/system/umaStore.ts'
import { marginFiguresOfHoldings } from '../margin/accountMargin.ts'
import { readFundingIndexes } from '../margin/funding.ts'
import { marketAt } from '../margin/marketAt.ts'
import type { MarginEnv } from '../margin/types.ts'
import type { PrecompileCall, PrecompileSpec } from './definePrecompile.ts'

export const RISK_KERNEL_ABI = parseAbi([
  'function marginOf(address account) view returns (int256 equity, uint256 initialMargin, uint256 maintenanceMargin)',
  'function isLiquidatable(address account) view returns (bool)',
])

async function figures(env: MarginEnv, call: PrecompileCall, account: Hex) {
  const config = await env.config(call.state)
  const prices = await env.prices(
    call.state,
    config.market.underlyings.map((u) => u.id),
  )
  const store = new UmaStore(call.state, call.gas)
  const priced = marketAt(config, prices, call.block.timestamp, await readFundingIndexes(store, config))
  return marginFiguresOfHoldings(await store.holdings(account), priced.state, priced.funding)
}

/** Builds the RiskKernel precompile. */
export function createRiskKernelSpec(deps: { env: MarginEnv }): PrecompileSpec {
  return {
    address: RISK_KERNEL_ADDRESS,
    abi: RISK_KERNEL_ABI,
    handlers: {
      async marginOf([account], call) {
        const f = await figures(deps.env, call, (account as string).toLowerCase() as Hex)
        const clamp = (x: bigint) => (x < 0n ? 0n : x)
        return [f.equity, clamp(f.initialMargin), clamp(f.maintenanceMargin)]
      },
      async isLiquidatable([account], call) {
        const f = await figures(deps.env, call, (account as string).toLowerCase() as Hex)
        return f.equity < f.maintenanceMargin
      },
    },
  }
}
