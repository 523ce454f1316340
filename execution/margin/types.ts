/**
 * What the margin system reads besides the accounts: the governed configuration and the oracle.
 * Injected, so the precompiles, the end-of-block pass and the RPC reports share one source.
 */
import type { StateManagerInterface } from '@ethereumjs/common'
import type { PriceFeed } from '../../state/system/priceFeed.ts'
import type { GovernedConfig } from '../../state/system/types.ts'

export interface MarginEnv {
  /** The governed configuration in force in `state`. */
  config(state: StateManagerInterface): Promise<GovernedConfig>
  /** Oracle feeds in `state` by underlying id (timestamp 0: never set). */
  prices(state: StateManagerInterface, underlyingIds: number[]): Promise<Map<number, PriceFeed>>
}
