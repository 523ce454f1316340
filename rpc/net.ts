/** The `net_` namespace. */
import { arity } from './params.ts'
import type { RpcMethods } from './types.ts'

/** `net_version` (chain id as a decimal string), `net_listening`, `net_peerCount`. */
export const netMethods: RpcMethods = {
  net_version: (p, { chain }) => (arity(p, 0, 0), chain.chainId.toString(10)),
  net_listening: (p) => (arity(p, 0, 0), true),
  net_peerCount: (p) => (arity(p, 0, 0), '0x0'),
}
