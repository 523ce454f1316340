/**
 * The `MarginEnv` over chain state: oracle feeds from the Oracle precompile's storage, the
 * governed configuration from the Governance precompile's storage.
 */
import type { StateManagerInterface } from '@ethereumjs/common'
import { readPrices } from '../../state/system/oracleStore.ts'
import type { PriceFeed } from '../../state/system/priceFeed.ts'
import type { GovernedConfig } from '../../state/system/types.ts'
import type { MarginEnv } from './types.ts'

/**
 * @param readConfig reads the governed configuration from state (state/system/governanceStore.ts)
 */
export function createStateMarginEnv(readConfig: (state: StateManagerInterface) => Promise<GovernedConfig>): MarginEnv {
  return {
    config: readConfig,
    async prices(state, underlyingIds) {
      const feeds = await readPrices(state, underlyingIds)
      const out = new Map<number, PriceFeed>()
      for (const f of feeds) out.set(f.underlyingId, f)
      return out
    },
  }
}
