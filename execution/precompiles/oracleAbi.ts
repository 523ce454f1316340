/**
 * The Oracle precompile's ABI (`IOracle`, SPEC section 4) at `0x…0a02`, plus its event.
 */
import { parseAbi } from 'viem'

/**
 * `IOracle`: `submitPrices` from any sender with enough feeder signatures, `priceOf` to read
 * (wad price and vol, unix-seconds timestamp), and one `PriceUpdated` event per underlying updated.
 */
export const oracleAbi = parseAbi([
  'function submitPrices(uint32[] underlyingIds, uint256[] prices, uint256[] vols, uint64 timestamp, bytes[] signatures)',
  'function priceOf(uint32 underlyingId) view returns (uint256 price, uint256 vol, uint64 timestamp)',
  'event PriceUpdated(uint32 indexed underlyingId, uint256 price, uint256 vol, uint64 timestamp)',
])
