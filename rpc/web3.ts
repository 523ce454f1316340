/** The `web3_` namespace. */
import { keccak256 } from 'viem'
import { arity, parseData } from './params.ts'
import type { RpcMethods } from './types.ts'

/** `web3_clientVersion` and `web3_sha3`. */
export const web3Methods: RpcMethods = {
  web3_clientVersion: (p, { chain }) => (arity(p, 0, 0), chain.clientVersion),
  web3_sha3: (p) => {
    const [data] = arity(p, 1, 1)
    return keccak256(parseData(data, 0))
  },
}
