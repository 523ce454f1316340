/**
 * The `margin_` namespace (SPEC section 5). So far `margin_getRiskParams`; every method takes an
 * optional trailing block tag (default `latest`).
 */
import type { GovernanceApi } from '../chain/types.ts'
import { arity, parseBlockTag } from './params.ts'
import type { RpcMethods } from './types.ts'

/**
 * `margin_getRiskParams([block])`: SPEC section 6's parameters in force at the block, named as
 * there (`scanRange`, `haircut`, `es`, …), numbers as JSON numbers.
 *
 * @example
 * // {"method":"margin_getRiskParams","params":["0x10"]} → { imMultiplier: 1.3, haircut: { WETH: 0.1, … }, … }
 */
export function marginMethods(gov: GovernanceApi): RpcMethods {
  return {
    margin_getRiskParams: async (params) => {
      const [tag] = arity(params, 0, 1)
      return gov.getRiskParams(parseBlockTag(tag, 0))
    },
  }
}
