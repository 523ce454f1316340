/**
 * The bridge as the node starts it: one deposit watcher over every genesis source and, when the
 * node holds the sequencer's key, one commitment poster on the first source's portal. Answers
 * `bridge_status`, `bridge_getDeposits` and `bridge_getWithdrawal` in SPEC section 5's shapes
 * (JSON-ready: ids and block numbers as numbers, amounts as decimal strings in whole units,
 * `amountL1` as an integer string in the L1 token's base units).
 */
import { type Address, formatUnits, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { BridgeStore } from './bridgeStore.ts'
import { type CommitmentPoster, type CommitmentSource, createCommitmentPoster } from './commitmentPoster.ts'
import { createDepositWatcher, type DepositSink, type DepositWatcher } from './depositWatcher.ts'
import { NoCommitmentPosterError } from './errors.ts'
import { createViemL1Client, type L1Client } from './l1Client.ts'
import type { BridgeLogger, DepositRecord, DepositStatus, Finality, SourceConfig, Withdrawal } from './types.ts'
import { getWithdrawalRecord, type WithdrawalRecord, type WithdrawalStatus } from './withdrawals.ts'

/** An L2 asset that an L1 token maps to. */
export interface BridgedAsset {
  /** The L1 token; the zero address for ETH (WETH on L2). */
  token: Address
  assetId: number
  /** The L1 token's decimals. */
  decimals: number
}

/** Options of `createBridge`. */
export interface BridgeOptions {
  /** Genesis `bridge.sources` (see `parseSources`). */
  sources: SourceConfig[]
  /** The L1 JSON-RPC URL, or one per source chain id. */
  l1Rpc: string | Record<number, string>
  /** L1 tokens and their L2 assets (the zero address for ETH → WETH). */
  assets: BridgedAsset[]
  store: BridgeStore
  sink: DepositSink
  /** The sequencer's L1 key; without it (or `commitmentSource`) no commitments are posted. */
  sequencerKey?: Hex
  commitmentSource?: CommitmentSource
  /** The portal's challenge period, seconds (devnet.json `challengePeriodSeconds`). */
  challengePeriodSeconds?: number
  pollIntervalMs?: number
  commitIntervalMs?: number
  logger?: BridgeLogger
  /** Client factory (tests); `createViemL1Client` by default. */
  clientFor?: (url: string, withKey: boolean) => L1Client
}

/** `bridge_status()`. */
export interface BridgeStatusJson {
  sources: {
    chainId: number
    portal: Address
    finality: Finality
    l1Latest: number | null
    l1Safe: number | null
    l1Finalized: number | null
    lastCreditedDepositId: number
  }[]
  commitments: { last: { index: number; l2Block: number; l1Block: number } | null }
}

/** One entry of `bridge_getDeposits(address)`. */
export interface DepositJson {
  depositId: number
  sourceChainId: number
  l1Block: number
  l1TxHash: Hex
  assetId: number | null
  amount: string
  status: DepositStatus
  l2Block: number | null
}

/** `bridge_getWithdrawal(id)`. */
export interface WithdrawalJson {
  id: number
  account: Address
  assetId: number
  token: Address
  amount: string
  amountL1: string
  l1Recipient: Address
  status: WithdrawalStatus
  commitmentIndex: number | null
  proof: Hex[]
  finalizableAt: number | null
}

/** The running bridge. */
export interface Bridge {
  watcher: DepositWatcher
  poster: CommitmentPoster | null
  start(): void
  stop(): Promise<void>
  status(): BridgeStatusJson
  deposits(address: Address): DepositJson[]
  /** The record of `withdrawal` (as the node recorded it). */
  getWithdrawal(withdrawal: Withdrawal): Promise<WithdrawalJson>
  /** The L2 block the `safe`/`finalized` tags name; 0 (genesis) before any commitment. */
  l2BlockAt(tag: 'safe' | 'finalized'): bigint
}

const num = (v: bigint | null) => (v === null ? null : Number(v))

/**
 * Creates the watcher and the poster (not started).
 *
 * @example
 * const bridge = await createBridge({ sources, l1Rpc, assets, store, sink, sequencerKey,
 *   commitmentSource, challengePeriodSeconds: 10 })
 * bridge.start()
 */
export async function createBridge(opts: BridgeOptions): Promise<Bridge> {
  const urlFor = (chainId: number) => {
    const url = typeof opts.l1Rpc === 'string' ? opts.l1Rpc : opts.l1Rpc[chainId]
    if (!url) throw new Error(`createBridge: no L1 RPC URL for chain ${chainId}`)
    return url
  }
  const account = opts.sequencerKey ? privateKeyToAccount(opts.sequencerKey) : undefined
  const clientFor =
    opts.clientFor ?? ((url: string, withKey: boolean) => createViemL1Client({ url, account: withKey ? account : undefined }))
  const byToken = new Map(opts.assets.map((a) => [a.token.toLowerCase(), a]))
  const watcher = await createDepositWatcher({
    sources: opts.sources.map((config) => ({
      config,
      client: clientFor(urlFor(config.chainId), false),
    })),
    store: opts.store,
    sink: opts.sink,
    logger: opts.logger,
    pollIntervalMs: opts.pollIntervalMs,
  })
  const first = opts.sources[0]
  const poster =
    first && account && opts.commitmentSource
      ? await createCommitmentPoster({
          chainId: first.chainId,
          portal: first.portal,
          client: clientFor(urlFor(first.chainId), true),
          source: opts.commitmentSource,
          store: opts.store,
          challengePeriodSeconds: opts.challengePeriodSeconds ?? 0,
          tokenDecimals: Object.fromEntries(opts.assets.map((a) => [a.token, a.decimals])),
          startBlock: first.startBlock,
          intervalMs: opts.commitIntervalMs,
          logger: opts.logger,
        })
      : null

  return {
    watcher,
    poster,
    start() {
      watcher.start()
      poster?.start()
    },
    async stop() {
      await Promise.all([watcher.stop(), poster?.stop()])
    },
    status: () => statusJson(watcher, poster),
    deposits: (address) => watcher.deposits(address).map((d) => depositJson(d, byToken.get(d.token.toLowerCase()))),
    async getWithdrawal(w) {
      if (!poster) throw new NoCommitmentPosterError()
      return withdrawalJson(await getWithdrawalRecord(poster, w))
    },
    l2BlockAt: (tag) => poster?.l2BlockAt(tag) ?? 0n,
  }
}

/** `bridge_status()` from the watcher's sources and the poster's last commitment. */
function statusJson(watcher: DepositWatcher, poster: CommitmentPoster | null): BridgeStatusJson {
  const last = poster?.status().last
  return {
    sources: watcher.status().map((s) => ({
      chainId: s.chainId,
      portal: s.portal,
      finality: s.finality,
      l1Latest: num(s.l1Latest),
      l1Safe: num(s.l1Safe),
      l1Finalized: num(s.l1Finalized),
      lastCreditedDepositId: Number(s.lastCreditedDepositId),
    })),
    commitments: {
      last: last ? { index: last.index, l2Block: Number(last.l2Block), l1Block: Number(last.l1Block) } : null,
    },
  }
}

/** One `bridge_getDeposits` entry; `asset` is the L2 asset of its token, when bridged. */
function depositJson(d: DepositRecord, asset: BridgedAsset | undefined): DepositJson {
  return {
    depositId: Number(d.depositId),
    sourceChainId: d.sourceChainId,
    l1Block: Number(d.l1Block),
    l1TxHash: d.l1TxHash,
    assetId: asset?.assetId ?? null,
    amount: formatUnits(d.amountL1, asset?.decimals ?? 18),
    status: d.status,
    l2Block: d.l2Block === undefined ? null : Number(d.l2Block),
  }
}

/** `bridge_getWithdrawal` from the poster's record. */
function withdrawalJson(r: WithdrawalRecord): WithdrawalJson {
  return {
    id: Number(r.id),
    account: r.account,
    assetId: r.assetId,
    token: r.token,
    amount: formatUnits(r.amountWad, 18),
    amountL1: r.amountL1.toString(),
    l1Recipient: r.l1Recipient,
    status: r.status,
    commitmentIndex: r.commitmentIndex,
    proof: r.proof,
    finalizableAt: num(r.finalizableAt),
  }
}
