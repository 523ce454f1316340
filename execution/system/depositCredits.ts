/**
 * Bridge deposits credited INTO BLOCKS, exactly once by L1 deposit id.
 *
 * The deposit watcher (bridge/depositWatcher.ts) hands final deposits to `credit`, which queues
 * them and resolves only once a block holding them is committed. At the start of the next block,
 * inside the block's state checkpoint and before any user transaction, the node runs
 * `beforeTransactions`: a system operation that, for each queued deposit in order,
 * - skips it unless its id is exactly `lastCreditedDepositId + 1` for its source (read from the
 *   Margin precompile's storage, slot 16 of state/umaStore.ts): a deposit is never credited twice,
 *   even if the watcher hands it over again after a crash;
 * - adds `l1ToWad(amountL1)` of the mapped asset to the recipient's UMA (`UmaStore.addBalance`);
 * - stores the new `lastCreditedDepositId` for its source;
 * - tells the margin system the account changed (`touch`), so the mirror re-margins it.
 * The credit becomes durable with the block's one LevelDB batch; if the block is abandoned, the
 * state checkpoint reverts and the batches go back to the queue.
 *
 * The credits are written into the block as ONE system transaction (execution/system/systemTx.ts) at
 * index 0: its input is `creditDeposits(deposits)` with exactly the list applied, and its receipt
 * holds one SPEC section 4 `Deposit` event per credited deposit. A node replaying the block
 * (`Node.importBlock`) reads the list from that transaction and applies it the same way
 * (`applyCreditedDeposits`), so it reaches the same state root.
 */
import type { StateManagerInterface } from '@ethereumjs/common'
import { type Address, bytesToHex, decodeFunctionData, encodeFunctionData, type Hex, hexToBytes, parseAbi } from 'viem'
import { l1ToWad } from '../../bridge/amounts.ts'
import type { BridgedAsset } from '../../bridge/bridge.ts'
import type { DepositSink } from '../../bridge/depositWatcher.ts'
import type { FinalDeposit } from '../../bridge/types.ts'
import { MAX_WAD } from '../../lib/fixed.ts'
import { MARGIN_ADDRESS } from '../../state/system/addresses.ts'
import { UmaStore } from '../../state/system/umaStore.ts'
import { encodeLog } from '../eventLog.ts'
import { MARGIN_ABI } from '../precompiles/margin.ts'
import { isSystemTx, type SystemLog, SystemTransaction } from './systemTx.ts'

/** One deposit as a block credited it (what the block store records). */
export interface CreditedDeposit {
  sourceChainId: number
  portal: Address
  depositId: string
  account: Hex
  /** The L1 token; the zero address for ETH. */
  token: Address
  amountL1: string
  /** The L2 asset credited; null when the token maps to none (nothing credited, id consumed). */
  assetId: number | null
  amountWad: string
  l1TxHash: Hex
}

/** What the node calls around each block (see `Node.attachSystemOps`). */
export interface BlockSystemOps {
  /** Whether a block should be made even with an empty mempool. */
  hasWork(): boolean
  /**
   * Runs inside the block's state checkpoint, before user transactions: applies the credits and
   * returns what it applied (the node writes it into the block as a system transaction), or
   * undefined when it did nothing.
   */
  beforeTransactions(
    state: StateManagerInterface,
    blockNumber: bigint,
    touch: (account: Hex) => void,
  ): Promise<CreditedDeposit[] | undefined>
  /** The block `beforeTransactions` last ran for is committed. */
  committed(blockNumber: bigint): void
  /** That block was abandoned (its state reverted). */
  aborted(): void
}

/** The system call a block's deposit credits are written as (never run by the EVM). */
const CREDIT_ABI = parseAbi([
  'function creditDeposits((uint64 sourceChainId, address portal, uint256 depositId, address account, address token, uint256 amountL1, bool mapped, uint32 assetId, uint256 amountWad, bytes32 l1TxHash)[] deposits)',
])

/** The system transaction that records `record` in block `blockNumber`. */
export function depositSystemTx(blockNumber: bigint, record: readonly CreditedDeposit[]): SystemTransaction {
  const data = encodeFunctionData({
    abi: CREDIT_ABI,
    functionName: 'creditDeposits',
    args: [
      record.map((d) => ({
        sourceChainId: BigInt(d.sourceChainId),
        portal: d.portal,
        depositId: BigInt(d.depositId),
        account: d.account,
        token: d.token,
        amountL1: BigInt(d.amountL1),
        mapped: d.assetId !== null,
        assetId: d.assetId ?? 0,
        amountWad: BigInt(d.amountWad),
        l1TxHash: d.l1TxHash,
      })),
    ],
  })
  return new SystemTransaction(blockNumber, MARGIN_ADDRESS, hexToBytes(data))
}

/** The credit record a block's transaction holds, or undefined when `tx` is not a deposit credit. */
export function creditedDepositsOf(tx: unknown): CreditedDeposit[] | undefined {
  if (!isSystemTx(tx) || tx.to.toString() !== MARGIN_ADDRESS) return undefined
  let decoded: ReturnType<typeof decodeFunctionData<typeof CREDIT_ABI>>
  try {
    decoded = decodeFunctionData({ abi: CREDIT_ABI, data: bytesToHex(tx.data) })
  } catch {
    return undefined
  }
  return decoded.args[0].map((d) => ({
    sourceChainId: Number(d.sourceChainId),
    portal: d.portal,
    depositId: d.depositId.toString(),
    account: d.account.toLowerCase() as Hex,
    token: d.token,
    amountL1: d.amountL1.toString(),
    assetId: d.mapped ? d.assetId : null,
    amountWad: d.amountWad.toString(),
    l1TxHash: d.l1TxHash,
  }))
}

/** SPEC section 4's `Deposit` events of a credit record (none for a token with no L2 asset). */
export function depositLogs(record: readonly CreditedDeposit[]): SystemLog[] {
  return record
    .filter((d) => d.assetId !== null && BigInt(d.amountWad) > 0n)
    .map((d) =>
      encodeLog(MARGIN_ABI, MARGIN_ADDRESS, 'Deposit', {
        depositId: BigInt(d.depositId),
        account: d.account,
        assetId: d.assetId,
        amount: BigInt(d.amountWad),
        sourceChainId: BigInt(d.sourceChainId),
      }),
    )
}

/**
 * Applies a credit record to `state` (inside the block's checkpoint): each deposit's amount to its
 * account and the source's `lastCreditedDepositId`. The producer computes the record, then applies
 * it; an importing node applies the record stored with the block, so both reach the same root.
 *
 * @throws Error when a deposit does not follow its source's last credited id (a bad record).
 */
export async function applyCreditedDeposits(
  state: StateManagerInterface,
  record: readonly CreditedDeposit[],
  touch: (account: Hex) => void,
): Promise<void> {
  const store = new UmaStore(state)
  for (const d of record) {
    const id = BigInt(d.depositId)
    const last = await store.lastCreditedDepositId(d.sourceChainId, d.portal)
    if (id !== last + 1n) throw new Error(`deposit ${id} of ${d.sourceChainId}:${d.portal} does not follow ${last}`)
    const amountWad = BigInt(d.amountWad)
    if (d.assetId !== null && amountWad > 0n) {
      await store.addBalance(d.account, d.assetId, amountWad)
      touch(d.account)
    }
    await store.setLastCreditedDepositId(d.sourceChainId, d.portal, id)
  }
}

interface Batch {
  deposits: FinalDeposit[]
  resolve: (r: { l2Block: bigint }) => void
  reject: (err: unknown) => void
}

/** The logger part used here. */
interface CreditLogger {
  warn(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
}

/** The sink the watcher credits through, and the node's block-start operation. */
export interface DepositCredits extends BlockSystemOps, DepositSink {
  /** Rejects every queued batch (on shutdown); the watcher retries them on the next start. */
  failAll(err: unknown): void
}

/**
 * Creates the deposit queue over `assets` (L1 token → L2 asset). `readState` gives a state at
 * the head for `lastCreditedDepositId`.
 *
 * @example
 * const credits = createDepositCredits({ assets, readState: async () => (await node.stateAt('latest')).state })
 * node.attachSystemOps(credits)
 * createBridge({ ..., sink: credits })
 */
export function createDepositCredits(opts: {
  assets: readonly BridgedAsset[]
  readState(): Promise<StateManagerInterface>
  logger?: CreditLogger
}): DepositCredits {
  const byToken = new Map(opts.assets.map((a) => [a.token.toLowerCase(), a]))
  let queue: Batch[] = []
  let inBlock: { number: bigint; batches: Batch[] } | undefined

  return {
    credit(deposits) {
      return new Promise((resolve, reject) => queue.push({ deposits, resolve, reject }))
    },

    async lastCreditedDepositId(source) {
      return new UmaStore(await opts.readState()).lastCreditedDepositId(source.chainId, source.portal)
    },

    hasWork: () => queue.length > 0,

    async beforeTransactions(state, blockNumber, touch) {
      if (queue.length === 0) return undefined
      const batches = queue
      queue = []
      inBlock = { number: blockNumber, batches }
      const store = new UmaStore(state)
      const record: CreditedDeposit[] = []
      const next = new Map<string, bigint>()
      const creditedTo = new Map<string, bigint>()
      for (const d of batches.flatMap((b) => b.deposits)) {
        const key = `${d.sourceChainId}:${d.portal.toLowerCase()}`
        const last = next.get(key) ?? (await store.lastCreditedDepositId(d.sourceChainId, d.portal))
        if (d.depositId !== last + 1n) {
          opts.logger?.warn(
            { chainId: d.sourceChainId, depositId: d.depositId, lastCredited: last },
            'bridge: deposit out of sequence or already credited; skipped',
          )
          continue
        }
        next.set(key, d.depositId)
        const mapped = byToken.get(d.token.toLowerCase())
        const account = d.l2Recipient.toLowerCase() as Hex
        let asset = mapped
        let amountWad = mapped ? l1ToWad(d.amountL1, mapped.decimals) : 0n
        if (!mapped) {
          opts.logger?.warn(
            { depositId: d.depositId, token: d.token },
            'bridge: deposit of a token with no L2 asset; its id is consumed, nothing credited',
          )
        } else {
          // A credit that would take the balance past what the chain stores (an absurd L1 amount)
          // cannot be made; like an unmapped token, its id is consumed so later deposits go on.
          const key = `${account}:${mapped.assetId}`
          const after = (creditedTo.get(key) ?? (await store.balance(account, mapped.assetId))) + amountWad
          if (after > MAX_WAD) {
            opts.logger?.warn(
              { depositId: d.depositId, amountL1: d.amountL1.toString() },
              'bridge: deposit too large to credit; its id is consumed, nothing credited',
            )
            asset = undefined
            amountWad = 0n
          } else creditedTo.set(key, after)
        }
        record.push({
          sourceChainId: d.sourceChainId,
          portal: d.portal,
          depositId: d.depositId.toString(),
          account,
          token: d.token,
          amountL1: d.amountL1.toString(),
          assetId: asset?.assetId ?? null,
          amountWad: amountWad.toString(),
          l1TxHash: d.l1TxHash,
        })
      }
      await applyCreditedDeposits(state, record, touch)
      if (record.length > 0) {
        opts.logger?.info({ l2Block: Number(blockNumber), deposits: record.length }, 'bridge: deposits credited')
      }
      return record.length > 0 ? record : undefined
    },

    committed(blockNumber) {
      if (!inBlock || inBlock.number !== blockNumber) return
      for (const b of inBlock.batches) b.resolve({ l2Block: blockNumber })
      inBlock = undefined
    },

    aborted() {
      if (!inBlock) return
      queue = [...inBlock.batches, ...queue]
      inBlock = undefined
    },

    failAll(err) {
      const all = [...(inBlock?.batches ?? []), ...queue]
      queue = []
      inBlock = undefined
      for (const b of all) b.reject(err)
    },
  }
}
