/**
 * The chain's `Common`: mainnet rules at the Prague hardfork under our chain id, with native
 * crypto. Every part that builds blocks or transactions uses this one instance.
 */

import { paramsBlock } from '@ethereumjs/block'
import { type Common, createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common'
import { paramsTx } from '@ethereumjs/tx'
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

/**
 * A `Common` for decoding transactions that every transaction shares. @ethereumjs copies the
 * `Common` and re-applies (deep-clones) the tx parameters for each transaction it builds — 9–13 %
 * of the node's CPU under load (bench:tps profile). This one has the tx and block parameters
 * applied once (stored blocks are decoded with it too);
 * `copy` returns itself and `updateParams` does nothing. Nothing mutates it: the hardfork is
 * fixed and no EIP is switched at run time.
 */
export function createSharedTxCommon(chainId: bigint): Common {
  const common = createChainCommon(chainId)
  common.updateParams(paramsBlock)
  common.updateParams(paramsTx)
  common.copy = () => common
  common.updateParams = () => {}
  return common
}
