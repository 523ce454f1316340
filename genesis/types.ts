/**
 * The genesis file: JSON, validated by `parseGenesis` (genesis/validate.ts). Quantities are
 * decimal strings, 0x-hex strings or safe integers in the file; parsed, they are bigints.
 * Later issues add the margin sections (markets, risk parameters, governance, oracle, bridge).
 */
import type { Hex } from 'viem'
import type { MarginGenesis } from '../state/system/types.ts'
import type { BridgeGenesis } from './validateBridge.ts'

/** One pre-funded account. */
export interface GenesisAccount {
  /** Gas-token balance in wei. */
  balance: bigint
  nonce: bigint
  code?: Hex
  /** Storage slots, 32-byte hex keys to hex values. */
  storage?: Record<Hex, Hex>
}

/** A parsed, validated genesis. */
export interface Genesis {
  chainId: bigint
  /** Genesis block time, unix seconds. */
  timestamp: bigint
  /** Gas limit of every block. */
  gasLimit: bigint
  /** Base fee of the genesis block, wei. */
  baseFeePerGas: bigint
  /** Lowest base fee the EIP-1559 rule may fall to, wei (an L2's floor). */
  minBaseFeePerGas: bigint
  /** Receiver of priority fees. */
  coinbase: Hex
  extraData: Hex
  /** Accounts by lower-case address. */
  alloc: Record<Hex, GenesisAccount>
  /** Markets, risk parameters, oracle, council and opening margin balances. */
  margin?: MarginGenesis
  /** L1 sources of deposits, bridged tokens, challenge period (SPEC section 8). */
  bridge?: BridgeGenesis
}
