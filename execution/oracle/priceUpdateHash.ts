/**
 * The message feeders sign (SPEC section 4):
 * `keccak256(abi.encode(chainId, underlyingIds, prices, vols, timestamp))`, signed EIP-191
 * personal-sign (the 32-byte hash as the message).
 */
import { encodeAbiParameters, type Hex, keccak256 } from 'viem'

/** One price update as submitted to `IOracle.submitPrices` (without the signatures). */
export interface PriceUpdate {
  underlyingIds: readonly number[]
  /** USD per whole unit, wad. */
  prices: readonly bigint[]
  /** Annualised vols, wad. */
  vols: readonly bigint[]
  /** Unix seconds. */
  timestamp: bigint
}

const PARAMS = [{ type: 'uint256' }, { type: 'uint32[]' }, { type: 'uint256[]' }, { type: 'uint256[]' }, { type: 'uint64' }] as const

/**
 * The hash a feeder signs for `update` on chain `chainId`.
 *
 * @example
 * const hash = priceUpdateHash(31338n, { underlyingIds: [1], prices: [3000n * WAD], vols: [6n * WAD / 10n], timestamp })
 * const signature = await feeder.signMessage({ message: { raw: hash } })
 */
export function priceUpdateHash(chainId: bigint, update: PriceUpdate): Hex {
  return keccak256(encodeAbiParameters(PARAMS, [chainId, update.underlyingIds, update.prices, update.vols, update.timestamp]))
}
