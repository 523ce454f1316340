/**
 * The chain's `Common`: mainnet rules at the Prague hardfork under our chain id, with native
 * crypto. Every part that builds blocks or transactions uses this one instance.
 */
import { type Common, createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common'
import { nodeCrypto } from './crypto.ts'

/** The hardfork the chain runs. */
export const HARDFORK = Hardfork.Prague

/** Creates the chain's `Common` for `chainId`. */
export function createChainCommon(chainId: bigint): Common {
  return createCustomCommon({ chainId: Number(chainId), name: 'unimargin' }, Mainnet, {
    hardfork: HARDFORK,
    customCrypto: nodeCrypto(),
  })
}
