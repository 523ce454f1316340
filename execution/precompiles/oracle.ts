/**
 * The Oracle precompile (`0x…0a02`, SPEC section 4): feeder-signed prices and vols, k-of-n.
 *
 * `submitPrices` is open to any sender; it is accepted with EIP-191 signatures of at least
 * `threshold` distinct feeders over `priceUpdateHash(chainId, update)`, a timestamp newer than
 * each underlying's last and not after the block's, known underlyings, and figures within the
 * bounds of execution/oracle/priceBounds.ts: price in [10^-8, 10^12] USD, vol in [0.0001, 10],
 * each moving at most ±`oracle.maxMove` (governed, dev 0.5) of the stored figure. Reverts:
 * `length mismatch`, `no prices`, `unknown underlying`, `duplicate underlying`, `zero price`,
 * `zero vol`, `price out of bounds: ETH`, `vol out of bounds: ETH`, `future timestamp`,
 * `bad signature`, `not a feeder`, `too few feeder signatures`, `stale timestamp`,
 * `price move too large: ETH`, `vol move too large: ETH` — each thrown as its class of
 * execution/errors.ts (`LengthMismatchError`, …, `FeedFigureRefusedError`, `StaleTimestampError`).
 * Storage layout: state/system/oracleStore.ts.
 */
import type { StateManagerInterface } from '@ethereumjs/common'
import type { Hex } from 'viem'
import { feedUpdateRefusal } from '../../genesis/priceBounds.ts'
import { numberToWad } from '../../lib/fixed.ts'
import { GAS_READ } from '../../state/contractStorage.ts'
import { ORACLE_ADDRESS } from '../../state/system/addresses.ts'
import { readPrice, writePrice } from '../../state/system/oracleStore.ts'
import type { GovernedConfig } from '../../state/system/types.ts'
import {
  BadSignatureError,
  DuplicateUnderlyingError,
  FeedFigureRefusedError,
  FutureTimestampError,
  LengthMismatchError,
  NoPricesError,
  NotFeederError,
  StaleTimestampError,
  TooFewSignaturesError,
  UnknownUnderlyingError,
  ZeroPriceError,
  ZeroVolError,
} from '../errors.ts'
import { priceUpdateHash } from '../oracle/priceUpdateHash.ts'
import { recoverSigner } from '../oracle/recoverSigner.ts'
import type { PrecompileSpec } from './definePrecompile.ts'
import { oracleAbi } from './oracleAbi.ts'

/** Gas per signature recovered, as the ECRECOVER precompile. */
export const GAS_ECRECOVER = 3_000n
/** Keccak-256 gas: 30 + 6 per 32-byte word hashed (as the KECCAK256 opcode). */
function keccakGas(bytes: number): bigint {
  return 30n + 6n * BigInt(Math.ceil(bytes / 32))
}

/** What the Oracle precompile needs from the node. */
export interface OracleDeps {
  /** Chain id in the signed hash (31338 on the dev chain). */
  chainId: bigint
  /**
   * The governed configuration in force in `state`: its `oracle` (feeders, threshold, maxMove)
   * and `market.underlyings` (the known ids). Until governance stores it, the genesis's.
   */
  getConfig(state: StateManagerInterface): Promise<GovernedConfig>
}

/**
 * Builds the Oracle precompile.
 *
 * @example
 * const oracle = createOracleSpec({ chainId: genesis.chainId, getConfig: async () => genesis.margin!.config })
 * await createNode({ ..., precompiles: [oracle] })
 */
export function createOracleSpec(deps: OracleDeps): PrecompileSpec {
  return {
    address: ORACLE_ADDRESS,
    abi: oracleAbi,
    handlers: {
      async submitPrices(args, call) {
        const [ids, prices, vols, timestamp, signatures] = args as [
          readonly number[],
          readonly bigint[],
          readonly bigint[],
          bigint,
          readonly Hex[],
        ]
        if (ids.length !== prices.length || ids.length !== vols.length) {
          throw new LengthMismatchError(ids.length, prices.length, vols.length)
        }
        if (ids.length === 0) throw new NoPricesError()
        call.gas.charge(GAS_READ)
        const config = await deps.getConfig(call.state)
        const symbols = new Map(config.market.underlyings.map((u) => [u.id, u.symbol]))
        // The governed share, converted once to wad (lib/fixed's rule); the rest is integer math.
        const maxMoveWad = numberToWad(config.oracle.maxMove)
        const seen = new Set<number>()
        for (let i = 0; i < ids.length; i++) {
          const symbol = symbols.get(ids[i])
          if (symbol === undefined) throw new UnknownUnderlyingError(ids[i])
          if (seen.has(ids[i])) throw new DuplicateUnderlyingError(ids[i])
          seen.add(ids[i])
          if (prices[i] === 0n) throw new ZeroPriceError(ids[i])
          if (vols[i] === 0n) throw new ZeroVolError(ids[i])
          const outOfBounds = feedUpdateRefusal(symbol, { priceWad: prices[i], volWad: vols[i] }, maxMoveWad)
          if (outOfBounds !== undefined) throw new FeedFigureRefusedError(ids[i], outOfBounds)
        }
        if (timestamp > call.block.timestamp) throw new FutureTimestampError(timestamp, call.block.timestamp)

        // abi.encode(chainId, ids, prices, vols, timestamp): 5 head words, 3 lengths, the items.
        call.gas.charge(keccakGas(32 * (8 + 3 * ids.length)))
        const hash = priceUpdateHash(deps.chainId, { underlyingIds: ids, prices, vols, timestamp })
        const feeders = new Set(config.oracle.feeders.map((f) => f.toLowerCase()))
        const signers = new Set<Hex>()
        for (const [index, signature] of signatures.entries()) {
          call.gas.charge(GAS_ECRECOVER)
          const signer = recoverSigner(hash, signature)
          if (signer === undefined) throw new BadSignatureError(index)
          if (!feeders.has(signer)) throw new NotFeederError(signer)
          signers.add(signer)
        }
        if (signers.size < config.oracle.threshold) throw new TooFewSignaturesError(signers.size, config.oracle.threshold)

        for (let i = 0; i < ids.length; i++) {
          const stored = await readPrice(call.state, ids[i], call.gas)
          if (timestamp <= stored.timestamp) throw new StaleTimestampError(ids[i], timestamp, stored.timestamp)
          const next = { priceWad: prices[i], volWad: vols[i] }
          const refused = feedUpdateRefusal(symbols.get(ids[i])!, next, maxMoveWad, stored)
          if (refused !== undefined) throw new FeedFigureRefusedError(ids[i], refused)
        }
        for (let i = 0; i < ids.length; i++) {
          await writePrice(call.state, { underlyingId: ids[i], priceWad: prices[i], volWad: vols[i], timestamp }, call.gas)
          call.emit('PriceUpdated', { underlyingId: ids[i], price: prices[i], vol: vols[i], timestamp })
        }
      },

      async priceOf(args, call) {
        const [id] = args as [number]
        call.gas.charge(GAS_READ)
        const config = await deps.getConfig(call.state)
        if (!config.market.underlyings.some((u) => u.id === id)) throw new UnknownUnderlyingError(id)
        const feed = await readPrice(call.state, id, call.gas)
        return [feed.priceWad, feed.volWad, feed.timestamp]
      },
    },
  }
}
