/**
 * The `MarginEnv` over chain state: oracle feeds from the Oracle precompile's storage, the
 * governed configuration from the Governance precompile's storage.
 */
import type { StateManagerInterface } from '@ethereumjs/common'
import type { GovernedConfig } from '../../genesis/marginTypes.ts'
import { readPrices } from '../oracle/oracleStore.ts'
import type { PriceFeed } from '../oracle/types.ts'
import type { MarginEnv } from './types.ts'

/**
 * @param readConfig reads the governed configuration from state (genesis/governedConfig.ts)
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
