/**
 * The bridge's view of an L1: the few JSON-RPC reads and the one write it needs, behind an
 * interface so that tests can wrap it (an outage, a slow node) and the real one runs over viem.
 */
import {
  type Account,
  type Address,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  parseEventLogs,
  type Transport,
  BaseError as ViemBaseError,
} from 'viem'
import { L1UnavailableError } from './errors.ts'
import { portalAbi } from './portalAbi.ts'
import type { DepositLog, L1BlockRef } from './types.ts'

/** A block tag the L1 resolves to a number. */
export type L1HeadTag = 'latest' | 'safe' | 'finalized'

/** A commitment as the portal's `CommitmentPosted` log tells it. */
export interface CommitmentLog {
  index: number
  l2Block: bigint
  stateRoot: Hex
  withdrawalRoot: Hex
  /** L1 timestamp of the commit, unix seconds. */
  l1Timestamp: bigint
  l1Block: bigint
  l1BlockHash: Hex
  l1TxHash: Hex
}

/** What `sendCommit` did: mined with its log, or refused by the portal (a value, not a throw). */
export type CommitResult = { status: 'posted'; commitment: CommitmentLog } | { status: 'reverted'; reason: string }

/** The L1 as the bridge uses it. Every method throws `L1UnavailableError` on an RPC failure. */
export interface L1Client {
  /** The chain id the L1 answers. */
  chainId(): Promise<number>
  /** The number of the L1 head with this tag. */
  blockNumber(tag: L1HeadTag): Promise<bigint>
  /** The canonical block at `number`, or null when the L1 has none (yet, or after a reorg). */
  getBlock(number: bigint): Promise<L1BlockRef | null>
  /** The portal's `DepositInitiated` logs in `[fromBlock, toBlock]`, in log order. */
  getDepositLogs(portal: Address, fromBlock: bigint, toBlock: bigint): Promise<DepositLog[]>
  /** The portal's `CommitmentPosted` logs in `[fromBlock, toBlock]`, in log order. */
  getCommitmentLogs(portal: Address, fromBlock: bigint, toBlock: bigint): Promise<CommitmentLog[]>
  /** Whether the portal has paid withdrawal `id`. */
  isWithdrawalFinalized(portal: Address, id: bigint): Promise<boolean>
  /** Sends `commit(l2Block, stateRoot, withdrawalRoot)` from the sequencer's key and waits for it. */
  sendCommit(portal: Address, c: { l2Block: bigint; stateRoot: Hex; withdrawalRoot: Hex }): Promise<CommitResult>
}

/** Options of `createViemL1Client`. */
export interface ViemL1ClientOptions {
  /** The L1's HTTP JSON-RPC URL. */
  url: string
  /** The sequencer's account (a viem local account); needed only by `sendCommit`. */
  account?: Account
  /** How often to poll for a receipt, milliseconds; 250 by default. */
  pollingIntervalMs?: number
  /** Per-request timeout, milliseconds; 10,000 by default. */
  timeoutMs?: number
  /** A transport to use instead of `http(url)` (tests). */
  transport?: Transport
}

/**
 * The real `L1Client` over viem's public and wallet clients.
 *
 * @example
 * const l1 = createViemL1Client({ url: 'http://127.0.0.1:8545', account: privateKeyToAccount(key) })
 * const finalized = await l1.blockNumber('finalized')
 */
export function createViemL1Client(opts: ViemL1ClientOptions): L1Client {
  const transport = opts.transport ?? http(opts.url, { retryCount: 0, timeout: opts.timeoutMs ?? 10_000 })
  const pollingInterval = opts.pollingIntervalMs ?? 250
  const pub = createPublicClient({ transport, pollingInterval }) as PublicClient
  const wallet = opts.account ? createWalletClient({ transport, account: opts.account, pollingInterval }) : undefined

  async function rpc<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw new L1UnavailableError(opts.url, { cause: err })
    }
  }

  return {
    chainId: () => rpc(() => pub.getChainId()),

    async blockNumber(tag) {
      const b = await rpc(() => pub.getBlock({ blockTag: tag }))
      if (b.number === null) throw new L1UnavailableError(opts.url, { cause: `no ${tag} block` })
      return b.number
    },

    async getBlock(number) {
      const b = await rpc(() => pub.request({ method: 'eth_getBlockByNumber', params: [`0x${number.toString(16)}`, false] }))
      if (!b || b.hash === null || b.number === null) return null
      return {
        number: BigInt(b.number),
        hash: b.hash,
        parentHash: b.parentHash,
        timestamp: BigInt(b.timestamp),
      }
    },

    async getDepositLogs(portal, fromBlock, toBlock) {
      const logs = await rpc(() =>
        pub.getLogs({
          address: portal,
          event: portalAbi.find((x) => x.type === 'event' && x.name === 'DepositInitiated') as never,
          fromBlock,
          toBlock,
          strict: true,
        }),
      )
      return parseEventLogs({ abi: portalAbi, eventName: 'DepositInitiated', logs }).map((l) => ({
        depositId: l.args.depositId,
        from: l.args.from,
        l2Recipient: l.args.l2Recipient,
        token: l.args.token,
        amountL1: l.args.amount,
        l1Block: l.blockNumber,
        l1BlockHash: l.blockHash,
        l1TxHash: l.transactionHash,
        logIndex: l.logIndex,
      }))
    },

    async getCommitmentLogs(portal, fromBlock, toBlock) {
      const logs = await rpc(() =>
        pub.getLogs({
          address: portal,
          event: portalAbi.find((x) => x.type === 'event' && x.name === 'CommitmentPosted') as never,
          fromBlock,
          toBlock,
          strict: true,
        }),
      )
      return parseEventLogs({ abi: portalAbi, eventName: 'CommitmentPosted', logs }).map(toCommitmentLog)
    },

    isWithdrawalFinalized: (portal, id) =>
      rpc(() =>
        pub.readContract({
          address: portal,
          abi: portalAbi,
          functionName: 'withdrawalFinalized',
          args: [id],
        }),
      ),

    async sendCommit(portal, c) {
      if (!wallet || !opts.account) throw new Error('createViemL1Client: no account to commit with')
      const args = [c.l2Block, c.stateRoot, c.withdrawalRoot] as const
      try {
        await pub.simulateContract({
          address: portal,
          abi: portalAbi,
          functionName: 'commit',
          args,
          account: opts.account,
        })
      } catch (err) {
        const isRevert = (e: unknown) => e instanceof ContractFunctionRevertedError
        const reverted = err instanceof ViemBaseError ? err.walk(isRevert) : null
        if (reverted instanceof ContractFunctionRevertedError) {
          return { status: 'reverted', reason: reverted.reason ?? reverted.shortMessage }
        }
        throw new L1UnavailableError(opts.url, { cause: err })
      }
      const hash = await rpc(() =>
        wallet.writeContract({
          address: portal,
          abi: portalAbi,
          functionName: 'commit',
          args,
          chain: null,
          account: opts.account as Account,
        }),
      )
      const receipt = await rpc(() => pub.waitForTransactionReceipt({ hash, timeout: 60_000 }))
      if (receipt.status !== 'success') return { status: 'reverted', reason: 'commit reverted' }
      const [log] = parseEventLogs({ abi: portalAbi, eventName: 'CommitmentPosted', logs: receipt.logs })
      if (!log) return { status: 'reverted', reason: 'no CommitmentPosted log' }
      return { status: 'posted', commitment: toCommitmentLog(log) }
    },
  }
}

function toCommitmentLog(l: {
  args: { index: bigint; l2Block: bigint; stateRoot: Hex; withdrawalRoot: Hex; timestamp: bigint }
  blockNumber: bigint
  blockHash: Hex
  transactionHash: Hex
}): CommitmentLog {
  return {
    index: Number(l.args.index),
    l2Block: l.args.l2Block,
    stateRoot: l.args.stateRoot,
    withdrawalRoot: l.args.withdrawalRoot,
    l1Timestamp: l.args.timestamp,
    l1Block: l.blockNumber,
    l1BlockHash: l.blockHash,
    l1TxHash: l.transactionHash,
  }
}
