/**
 * The `bridge_` namespace (SPEC section 5), registered only when the node runs a bridge
 * (`--l1-rpc`); without one these methods do not exist (-32601).
 */
import type { BridgeApi } from '../chain/bridgeRuntime.ts'
import { arity, parseAddress, parseUint } from './params.ts'
import type { RpcMethods } from './types.ts'

/**
 * `bridge_status()`, `bridge_getDeposits(address)`, `bridge_getWithdrawal(id)`.
 *
 * @example
 * // {"method":"bridge_getWithdrawal","params":[1]}
 * // → { id: 1, account, assetId: 1, token, amount: "250", amountL1: "250000000", l1Recipient,
 * //     status: "committed", commitmentIndex: 3, proof: [], finalizableAt: 1767225700 }
 */
export function bridgeMethods(api: BridgeApi): RpcMethods {
  return {
    bridge_status(params) {
      arity(params, 0, 0)
      return api.status()
    },
    bridge_getDeposits(params) {
      const [address] = arity(params, 1, 1)
      return api.deposits(parseAddress(address, 0))
    },
    bridge_getWithdrawal(params) {
      const [id] = arity(params, 1, 1)
      return api.getWithdrawal(BigInt(parseUint(id, 0, 'id')))
    },
  }
}
