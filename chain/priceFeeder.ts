/**
 * The dev price feeder: every `intervalMs` it advances a seeded random walk of each underlying's
 * price and vol, signs the update with the feeder keys the node knows (EIP-191 over SPEC's hash)
 * and submits it to the Oracle precompile as an ordinary signed transaction from the first
 * feeder's account, through the node's own `sendRawTransaction`. So a fresh dev node shows
 * moving prices. Started by `unimargin start` unless `--no-feeder`.
 */
import type { Logger } from 'pino'
import { decodeFunctionResult, encodeFunctionData, type Hex, hexToBytes } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { ORACLE_ADDRESS } from '../execution/precompiles/addresses.ts'
import { oracleAbi } from '../execution/precompiles/oracleAbi.ts'
import { priceUpdateHash } from '../execution/oracle/priceUpdateHash.ts'
import type { Underlying } from '../execution/risk/types.ts'
import { DEV_ACCOUNTS } from '../genesis/dev.ts'
import type { OracleConfig } from '../genesis/marginTypes.ts'
import { numberToWad, wadToNumber } from '../lib/fixed.ts'
import { createPriceWalk, type PriceWalk } from './priceWalk.ts'
import type { ChainApi } from './types.ts'

/** What the feeder uses of the node. */
export type FeederChain = Pick<
  ChainApi,
  'call' | 'sendRawTransaction' | 'getTransactionCount' | 'gasPrice' | 'maxPriorityFeePerGas'
>

/** How to run the feeder: where to send, which keys sign, what to feed and how often. */
export interface PriceFeederOptions {
  chain: FeederChain
  chainId: bigint
  /** Private keys of feeders, at least the oracle's threshold; the first one pays for gas. */
  feederKeys: readonly Hex[]
  /** The underlyings to feed, with fall-back starting quotes (the chain's prices win). */
  underlyings: readonly Underlying[]
  /** Milliseconds between updates. */
  intervalMs: number
  /** Seed of the walk; default: the clock (each run walks differently). */
  seed?: number
  /** Simulated seconds per real second (see `createPriceWalk`). */
  timeScale?: number
  logger: Logger
}

/** A running feeder. */
export interface PriceFeeder {
  /** Submits one update now; resolves to its transaction hash, or undefined when skipped. */
  tick(): Promise<Hex | undefined>
  /** Stops the timer and waits for an update in flight. */
  stop(): Promise<void>
}

/** Gas limit per update: the base and per-underlying share (ecrecover, 3 storage writes, a log). */
const GAS_BASE = 120_000n
const GAS_PER_UNDERLYING = 80_000n

/**
 * The keys this node knows (the dev accounts') of feeders in `oracle`, enough to meet its
 * threshold, in the feeder set's order; `undefined` when it knows too few.
 *
 * @example feederKeysFor(devGenesis().margin!.config.oracle) // [DEV_ACCOUNTS[9][1]]
 */
export function feederKeysFor(oracle: Pick<OracleConfig, 'feeders' | 'threshold'>): Hex[] | undefined {
  const known = new Map(DEV_ACCOUNTS.map(([address, key]) => [address.toLowerCase(), key]))
  const keys = oracle.feeders.map((f) => known.get(f.toLowerCase())).filter((k): k is Hex => k !== undefined)
  return keys.length >= oracle.threshold && keys.length > 0 ? keys.slice(0, Math.max(1, oracle.threshold)) : undefined
}

async function onChainQuote(chain: FeederChain, u: Underlying) {
  const r = await chain.call(
    { to: ORACLE_ADDRESS, data: encodeFunctionData({ abi: oracleAbi, functionName: 'priceOf', args: [u.id] }) },
    'latest',
  )
  if (!r.ok) return { id: u.id, price: u.price, vol: u.vol, timestamp: 0n }
  const [price, vol, timestamp] = decodeFunctionResult({ abi: oracleAbi, functionName: 'priceOf', data: r.returnData })
  if (price === 0n || vol === 0n) return { id: u.id, price: u.price, vol: u.vol, timestamp }
  return { id: u.id, price: wadToNumber(price), vol: wadToNumber(vol), timestamp }
}

/**
 * Starts the feeder: the first update after `intervalMs`, then one per interval. Prices continue
 * from the chain's (so a restarted node walks on from where it stopped).
 *
 * @example
 * const feeder = startPriceFeeder({ chain: node, chainId: 31338n, feederKeys: feederKeysFor(oracle)!,
 *   underlyings: genesis.margin!.config.market.underlyings, intervalMs: 2000, logger })
 * await feeder.stop()
 */
export function startPriceFeeder(opts: PriceFeederOptions): PriceFeeder {
  if (opts.feederKeys.length === 0) throw new Error('price feeder: no feeder key')
  const signers = opts.feederKeys.map((k) => privateKeyToAccount(k))
  const payer = signers[0]
  const ids = [...opts.underlyings].sort((a, b) => a.id - b.id)
  let walk: PriceWalk | undefined
  let lastTimestamp = 0n
  let lastStepMs = Date.now()
  let inFlight: Promise<Hex | undefined> | undefined
  let stopped = false

  async function init(): Promise<PriceWalk> {
    const start = await Promise.all(ids.map((u) => onChainQuote(opts.chain, u)))
    for (const q of start) if (q.timestamp > lastTimestamp) lastTimestamp = q.timestamp
    return createPriceWalk({
      start: start.map(({ id, price, vol }) => ({ id, price, vol })),
      seed: opts.seed ?? Date.now() >>> 0,
      timeScale: opts.timeScale,
    })
  }

  async function submit(): Promise<Hex | undefined> {
    walk ??= await init()
    const nowMs = Date.now()
    // Signed time: whole seconds, never after the block that will include it, always newer.
    const timestamp = BigInt(Math.floor(nowMs / 1000))
    if (timestamp <= lastTimestamp) return undefined
    const quotes = walk.step((nowMs - lastStepMs) / 1000)
    lastStepMs = nowMs
    const update = {
      underlyingIds: quotes.map((q) => q.id),
      prices: quotes.map((q) => numberToWad(Number(q.price.toPrecision(10)))),
      vols: quotes.map((q) => numberToWad(Number(q.vol.toFixed(6)))),
      timestamp,
    }
    const hash = priceUpdateHash(opts.chainId, update)
    const signatures = await Promise.all(signers.map((s) => s.signMessage({ message: { raw: hash } })))
    const data = encodeFunctionData({
      abi: oracleAbi,
      functionName: 'submitPrices',
      args: [update.underlyingIds, update.prices, update.vols, update.timestamp, signatures],
    })
    const nonce = await opts.chain.getTransactionCount(payer.address, 'pending')
    const raw = await payer.signTransaction({
      chainId: Number(opts.chainId),
      type: 'eip1559',
      to: ORACLE_ADDRESS,
      data,
      nonce: Number(nonce),
      gas: GAS_BASE + GAS_PER_UNDERLYING * BigInt(quotes.length),
      maxFeePerGas: opts.chain.gasPrice() * 2n,
      maxPriorityFeePerGas: opts.chain.maxPriorityFeePerGas(),
    })
    const txHash = await opts.chain.sendRawTransaction(hexToBytes(raw))
    lastTimestamp = timestamp
    opts.logger.debug({ tx: txHash, timestamp: Number(timestamp), quotes }, 'prices submitted')
    return txHash
  }

  const tick = (): Promise<Hex | undefined> => {
    if (stopped) return Promise.resolve(undefined)
    if (inFlight) return inFlight
    inFlight = submit().finally(() => {
      inFlight = undefined
    })
    return inFlight
  }

  const timer = setInterval(() => {
    tick().catch((err) => opts.logger.warn({ err }, 'price feeder: update failed'))
  }, opts.intervalMs)
  timer.unref?.()
  opts.logger.info({ feeder: payer.address, intervalMs: opts.intervalMs }, 'price feeder started')

  return {
    tick,
    async stop() {
      stopped = true
      clearInterval(timer)
      await inFlight?.catch(() => undefined)
    },
  }
}
