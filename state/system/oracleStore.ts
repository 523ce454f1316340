/**
 * The Oracle precompile's storage layout, as Solidity would lay out
 *
 * ```solidity
 * struct Feed { uint256 price; uint256 vol; uint64 timestamp; }
 * mapping(uint32 => Feed) feeds; // slot 0
 * ```
 *
 * at `ORACLE_ADDRESS`: feed `id` starts at `keccak256(uint256(id) ‖ uint256(0))`; its price wad
 * is at `+0`, its vol wad at `+1`, its timestamp (unix seconds) at `+2`. So `eth_getStorageAt` and
 * `eth_getProof` read and prove a price like any contract's storage.
 */
import type { StateManagerInterface } from '@ethereumjs/common'
import { createAddressFromString } from '@ethereumjs/util'
import { numberToWad } from '../../lib/fixed.ts'
import type { Market } from '../../risk/index.ts'
import { ContractStorage, type GasCharger, mappingSlot } from '../contractStorage.ts'
import { ORACLE_ADDRESS } from './addresses.ts'
import type { PriceFeed } from './priceFeed.ts'

/** Slot of the `feeds` mapping. */
export const FEEDS_SLOT = 0n

const ORACLE = createAddressFromString(ORACLE_ADDRESS)

/** First storage slot of underlying `underlyingId`'s feed (price; vol at +1, timestamp at +2). */
export function feedSlot(underlyingId: number): bigint {
  return mappingSlot(FEEDS_SLOT, underlyingId)
}

function storage(state: StateManagerInterface, gas?: GasCharger): ContractStorage {
  return new ContractStorage(state, ORACLE, gas)
}

/**
 * Reads the feed of one underlying (zeros when it never had a price). With `gas`, charges
 * three storage reads.
 */
export async function readPrice(state: StateManagerInterface, underlyingId: number, gas?: GasCharger): Promise<PriceFeed> {
  const s = storage(state, gas)
  const base = feedSlot(underlyingId)
  return {
    underlyingId,
    priceWad: await s.word(base),
    volWad: await s.word(base + 1n),
    timestamp: await s.word(base + 2n),
  }
}

/**
 * Reads the feeds of `underlyingIds`, in that order: what the margin kernel prices off each
 * block.
 *
 * @example
 * const [eth, btc] = await readPrices(state, [1, 2])
 * if (isStale(eth.timestamp, block.timestamp, params.maxOracleAge)) …
 */
export async function readPrices(state: StateManagerInterface, underlyingIds: readonly number[], gas?: GasCharger): Promise<PriceFeed[]> {
  const out: PriceFeed[] = []
  for (const id of underlyingIds) out.push(await readPrice(state, id, gas))
  return out
}

/** Reads only the timestamp of one feed (unix seconds, 0 if never set); one storage read. */
export async function readPriceTimestamp(state: StateManagerInterface, underlyingId: number, gas?: GasCharger): Promise<bigint> {
  return storage(state, gas).word(feedSlot(underlyingId) + 2n)
}

/** Writes one feed (price, vol and timestamp). With `gas`, charges the storage writes. */
export async function writePrice(state: StateManagerInterface, feed: PriceFeed, gas?: GasCharger): Promise<void> {
  if (feed.priceWad <= 0n || feed.volWad <= 0n) throw new RangeError(`feed ${feed.underlyingId}: price and vol must be > 0`)
  const s = storage(state, gas)
  const base = feedSlot(feed.underlyingId)
  await s.setWord(base, feed.priceWad)
  await s.setWord(base + 1n, feed.volWad)
  await s.setWord(base + 2n, feed.timestamp)
}

/**
 * Writes the genesis prices and vols of `market.underlyings` (floats in the genesis, wad on
 * chain through `numberToWad`) stamped `timestampSeconds` (the genesis block time). Called once
 * from genesis building; the Oracle account must exist already.
 */
export async function writeGenesisPrices(state: StateManagerInterface, market: Market, timestampSeconds: bigint): Promise<void> {
  const underlyings = [...market.underlyings].sort((a, b) => a.id - b.id)
  for (const u of underlyings) {
    await writePrice(state, {
      underlyingId: u.id,
      priceWad: numberToWad(u.price),
      volWad: numberToWad(u.vol),
      timestamp: timestampSeconds,
    })
  }
}
