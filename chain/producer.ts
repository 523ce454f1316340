/**
 * The head and how it moves: the block timer, a block produced from the pool, a block imported
 * from another node, both through one builder (the margin system's start-of-block step, deposit
 * credits, transactions, the margin system's end-of-block pass, seal, verify, commit), and the one rewind when anything fails.
 */
import type { EventEmitter } from 'node:events'
import type { Block } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import type { MerkleStateManager } from '@ethereumjs/statemanager'
import { bytesToHex, createAddressFromString, equalsBytes } from '@ethereumjs/util'
import type { Logger } from 'pino'
import type { BlockHashes } from '../execution/blockHashes.ts'
import { type BlockEnv, BlockExecutor } from '../execution/blockPipeline.ts'
import { createChainVm } from '../execution/chainVm.ts'
import { liquidationSystemTx } from '../execution/margin/liquidate.ts'
import type { MarginSystem } from '../execution/margin/marginSystem.ts'
import type { PrecompileSpec } from '../execution/precompiles/definePrecompile.ts'
import {
  applyCreditedDeposits,
  type BlockSystemOps,
  type CreditedDeposit,
  creditedDepositsOf,
  depositLogs,
  depositSystemTx,
} from '../execution/system/depositCredits.ts'
import { isSystemTx } from '../execution/system/systemTx.ts'
import { WorkBudget } from '../execution/workBudget.ts'
import type { Genesis } from '../genesis/types.ts'
import { isStoreFailure, StoreFailureError } from '../lib/errors.ts'
import type { ChainDb } from '../state/chainDb.ts'
import { openStateManager, stateRootReadable } from '../state/stateManager.ts'
import type { Hex, StoredReceipt } from '../state/types.ts'
import { type Chosen, chooseFromPool, pacer } from './blockChoice.ts'
import type { BlockClock } from './blockClock.ts'
import type { BlockReads } from './blockReads.ts'
import { BlockImportError, ShuttingDownError } from './errors.ts'
import { nextBaseFee } from './fees.ts'
import type { Mempool } from './mempool.ts'
import { verifyImport } from './verifyImport.ts'

/**
 * How long `stop` lets the block in progress finish, ms; then the transaction running is
 * stopped at its next jump and the block dropped (a block's worth of gas can take seconds).
 */
const STOP_GRACE_MS = 1_000
/** An empty block is made when none was for this long, ms (default). */
const HEARTBEAT_MS = 2_000

export interface ProducerDeps {
  genesis: Genesis
  blockTimeMs: number
  heartbeatMs?: number
  stopGraceMs?: number
  db: ChainDb
  common: Common
  mempool: Mempool
  events: EventEmitter
  blockHashes: BlockHashes
  blocks: BlockReads
  precompiles: readonly PrecompileSpec[]
  margin?: MarginSystem
  log: Logger
  /** The governed feeder set at a head, whose price updates go first. */
  feedersAt(head: Block): ReadonlySet<Hex> | Promise<ReadonlySet<Hex>>
  /** Told when a block becomes the head (before listeners hear of it). */
  onHead(block: Block): void
  /** What produced blocks are stamped with (the wall clock, moved by the dev time methods). */
  clock: BlockClock
}

export class BlockProducer {
  head!: Block
  private state!: MerkleStateManager
  private executor!: BlockExecutor
  private timer?: NodeJS.Timeout
  private producing?: Promise<void>
  /** The last block asked of `produce`, settled: the next waits for it (the timer and `evm_mine` never build at once). */
  private producedLast: Promise<unknown> = Promise.resolve()
  private stopped = false
  /** The store failure that stopped the node (`fail`), if one did. */
  private fatalError?: unknown
  /** Aborted `STOP_GRACE_MS` after shutdown starts: the block in progress stops and is dropped. */
  private readonly blockAbort = new AbortController()
  private lastBlockAt = Date.now()
  /** Block-start system operations (bridge deposit credits), when a bridge runs. */
  systemOps?: BlockSystemOps

  constructor(private readonly deps: ProducerDeps) {}

  /** Whether production has stopped (shutdown or a store failure). */
  get closed(): boolean {
    return this.stopped
  }

  /** Opens the working state at `head` and the EVM that runs blocks on it. */
  async open(head: Block): Promise<void> {
    const d = this.deps
    this.head = head
    d.mempool.setBaseFee(this.nextBaseFee(head))
    this.state = await openStateManager(d.db.trie, { common: d.common, root: head.header.stateRoot, caches: true })
    const vm = await createChainVm({
      common: d.common,
      state: this.state,
      blockHashes: d.blockHashes,
      precompiles: d.precompiles,
      // No deadline (a mined transaction runs to its gas): it only yields, so RPC answers during
      // a heavy transaction, and stops on shutdown.
      budget: new WorkBudget({ signal: this.blockAbort.signal }),
      onContained: (err, where) => d.log.warn({ err, ...where }, 'precompile exception contained as a revert'),
    })
    this.executor = new BlockExecutor(vm, this.state, d.common)
    await d.margin?.load(this.state)
  }

  /** Base fee of the block after `parent` (EIP-1559, with the genesis floor). */
  nextBaseFee(parent: Block = this.head): bigint {
    return nextBaseFee(parent, this.deps.genesis.minBaseFeePerGas)
  }

  /** A sender's nonce in the working state (at the head between blocks). */
  private async nonceOf(sender: Hex): Promise<bigint> {
    return (await this.state.getAccount(createAddressFromString(sender)))?.nonce ?? 0n
  }

  /**
   * Starts the block timer: a block every `blockTimeMs`, start to start, when there is work or a
   * heartbeat is due. A block that takes longer than that is followed at once by the next, not
   * at the next multiple of the interval (which left a full pool idle for up to an interval).
   */
  start(): void {
    if (this.timer || this.stopped) return
    const d = this.deps
    const schedule = (delay: number) => {
      this.timer = setTimeout(() => {
        const started = Date.now()
        const heartbeatDue = started - this.lastBlockAt >= (d.heartbeatMs ?? HEARTBEAT_MS)
        if (d.mempool.size === 0 && !heartbeatDue && !this.systemOps?.hasWork()) {
          schedule(d.blockTimeMs)
          return
        }
        this.producing = this.produce()
          .then(() => undefined)
          .catch((err) => {
            if (isStoreFailure(err)) this.fail(err)
            else if (err instanceof ShuttingDownError) d.log.info('block in progress dropped at shutdown')
            else d.log.error({ err }, 'block production failed')
          })
          .finally(() => {
            this.producing = undefined
            if (!this.stopped) schedule(Math.max(0, d.blockTimeMs - (Date.now() - started)))
          })
      }, delay)
    }
    schedule(d.blockTimeMs)
  }

  /**
   * The store failed under a block (DESIGN.md, "Containment": the one fatal failure): nothing of
   * the block was committed; production stops and `fatal` listeners are told (the CLI exits).
   */
  private fail(err: unknown): void {
    this.deps.log.fatal({ err }, 'the store failed: block production stopped, nothing of the block was committed')
    this.fatalError = err
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.deps.events.emit('fatal', err)
  }

  /**
   * Stops making blocks; resolves once the block in progress is committed with the transactions
   * it has run, or, when its transaction still runs after the grace, dropped.
   */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    const grace = setTimeout(() => this.blockAbort.abort(), this.deps.stopGraceMs ?? STOP_GRACE_MS)
    try {
      await this.producing
      await this.producedLast
    } finally {
      clearTimeout(grace)
    }
  }

  /**
   * Builds, commits and announces one block from the mempool, stamped with the block clock (or
   * `at`, unix seconds: a test moving time), never before its parent; one at a time, in order.
   */
  produce(at?: bigint): Promise<Block> {
    const run = this.producedLast.then(() => this.produceNow(at))
    this.producedLast = run.catch(() => undefined)
    return run
  }

  private async produceNow(at?: bigint): Promise<Block> {
    // After a store failure nothing more is built on a store that cannot be trusted.
    if (this.fatalError !== undefined) throw this.fatalError
    // A block asked for (evm_mine) while the node stops is not built.
    if (this.stopped) throw new ShuttingDownError()
    const d = this.deps
    const parent = this.head
    const baseFee = this.nextBaseFee(parent)
    const feeders = await d.feedersAt(parent)
    const pace = pacer()
    // The transactions are chosen before the block's stamp is read: everything it runs was
    // admitted before that instant, so a price update signed with the wall clock's second is
    // never ahead of the block that carries it ("future timestamp"; issue 17, oracle first).
    const chosen = await chooseFromPool(d.mempool, { baseFee, feeders, nonceOf: (a) => this.nonceOf(a), pace, log: d.log })
    const now = at ?? d.clock.next(parent.header.timestamp)
    const env: BlockEnv = {
      number: parent.header.number + 1n,
      parentHash: parent.hash(),
      timestamp: now > parent.header.timestamp ? now : parent.header.timestamp,
      gasLimit: d.genesis.gasLimit,
      baseFeePerGas: baseFee,
      coinbase: d.genesis.coinbase,
    }
    const block = await this.build(env, undefined, undefined, () => this.runChosen(chosen, pace))
    if (at === undefined) d.clock.spent(block.header.timestamp)
    return block
  }

  /** Runs the chosen transactions into the open block, yielding to RPC every few ms. */
  private async runChosen({ txs, blocked }: Chosen, pace: () => Promise<void>): Promise<void> {
    const { mempool, log } = this.deps
    for (const ptx of txs) {
      // Shutting down: the block ends with what it has.
      if (this.stopped) break
      await pace()
      if (blocked.has(ptx.sender)) continue
      if (this.executor.gasLeft < 21_000n) break
      if (ptx.tx.gasLimit > this.executor.gasLeft) {
        blocked.add(ptx.sender)
        continue
      }
      const out = await this.executor.apply(ptx.tx, createAddressFromString(ptx.sender))
      // Stopped by shutdown (past the grace): the block is dropped, the transaction kept.
      if ('error' in out && this.blockAbort.signal.aborted) throw new ShuttingDownError()
      if ('error' in out) {
        log.debug({ tx: ptx.hash, error: out.error }, 'transaction dropped')
        mempool.dropFrom(ptx)
        blocked.add(ptx.sender)
      }
    }
  }

  /**
   * Re-executes a block made by another node (a follower importing the sequencer's chain, or a
   * replay into a fresh datadir) and commits it only if it reproduces the block exactly: same
   * transactions, receipts and state root, hence the same hash. The block's system transactions
   * say what the node did on its own: the deposit credit at index 0 is re-applied from its input,
   * the end-of-block one (liquidations) is recomputed and must come out the same.
   *
   * @throws BlockImportError when it does not follow the head or does not reproduce.
   */
  async import(block: Block): Promise<void> {
    const h = block.header
    if (h.number !== this.head.header.number + 1n || !equalsBytes(h.parentHash, this.head.hash())) {
      throw new BlockImportError(h.number, 'does not extend the head')
    }
    const env: BlockEnv = {
      number: h.number,
      parentHash: h.parentHash,
      timestamp: h.timestamp,
      gasLimit: h.gasLimit,
      baseFeePerGas: h.baseFeePerGas ?? 0n,
      coinbase: bytesToHex(h.coinbase.bytes) as Hex,
      extraData: h.extraData,
    }
    const deposits = creditedDepositsOf(block.transactions[0]) ?? []
    await this.build(env, block, deposits, async () => {
      for (const tx of block.transactions) {
        if (isSystemTx(tx)) continue
        const out = await this.executor.apply(tx, tx.getSenderAddress())
        if ('error' in out) throw new BlockImportError(h.number, `transaction ${bytesToHex(tx.hash())}: ${out.error}`)
      }
    })
  }

  /**
   * One block: opens it at `env`, runs the margin system's start-of-block step (listing), credits bridge deposits (from the queue when producing,
   * `imported` when importing) as the block's first, system, transaction, lets `fill` run its
   * transactions, runs the margin system's end-of-block pass, seals, checks it against
   * `expected` (imports), commits in one batch and makes it the head. Any failure leaves the
   * chain at the previous block.
   */
  private async build(
    env: BlockEnv,
    expected: Block | undefined,
    imported: readonly CreditedDeposit[] | undefined,
    fill: () => Promise<void>,
  ): Promise<Block> {
    const { db } = this.deps
    await this.executor.begin(env)
    try {
      await this.beginBlock(env)
      await this.creditDeposits(env, imported)
      await fill()
      await this.endOfBlock(env)
      const { block, receipts } = await this.executor.seal()
      if (!(await stateRootReadable(db.trie, block.header.stateRoot))) {
        throw new StoreFailureError(`block ${env.number}: its state root ${bytesToHex(block.header.stateRoot)} is not in the store`)
      }
      if (expected !== undefined) verifyImport(block, expected)
      await db.commitBlock({
        number: block.header.number,
        hash: bytesToHex(block.hash()) as Hex,
        rlp: block.serialize(),
        receipts,
        txHashes: receipts.map((r) => r.transactionHash),
      })
      if (imported === undefined) this.systemOps?.committed(block.header.number)
      this.accept(block, receipts)
      return block
    } catch (err) {
      await this.rewind(imported === undefined)
      throw err
    }
  }

  /**
   * Back to the head: the checkpoint if the block was still open, and the state root in any case
   * (sealing has already committed the checkpoint and flushed into the trie buffer).
   */
  private async rewind(producing: boolean): Promise<void> {
    await this.executor.abort()
    if (producing) this.systemOps?.aborted()
    this.deps.db.trie.discard()
    await this.state.setStateRoot(this.head.header.stateRoot, true)
    await this.deps.margin?.load(this.state)
  }

  /** The block's deposit credits, as its first (system) transaction. */
  private async creditDeposits(env: BlockEnv, imported: readonly CreditedDeposit[] | undefined): Promise<void> {
    const touch = (a: Hex) => this.deps.margin?.touch(a)
    let credited: readonly CreditedDeposit[] | undefined
    if (imported === undefined && this.systemOps !== undefined) {
      // A system operation that throws is rolled back and the block goes on without it; its
      // deposits go back to the queue.
      const ops = this.systemOps
      const out = await this.executor.contained(() => ops.beforeTransactions(this.state, env.number, touch))
      if (out.ok) credited = out.value
      else {
        this.deps.log.error({ err: out.error, block: Number(env.number) }, 'deposit credits failed; rolled back, retried next block')
        ops.aborted()
      }
    } else if (imported !== undefined && imported.length > 0) {
      await applyCreditedDeposits(this.state, imported, touch)
      credited = imported
    }
    if (credited !== undefined && credited.length > 0) {
      this.executor.applySystem(depositSystemTx(env.number, credited), depositLogs(credited))
    }
  }

  /** The margin system's start-of-block step (interest, funding intervals, new expiries), contained. */
  private async beginBlock(env: BlockEnv): Promise<void> {
    const { margin, log } = this.deps
    if (margin === undefined) return
    const run = await this.executor.contained(() => margin.beginBlock(this.state, this.executor.timestamp))
    if (!run.ok) {
      // Deterministic like everything else in the block: a replaying node fails the same way.
      log.error({ err: run.error, block: Number(env.number) }, 'start-of-block step failed; rolled back, the block goes on without it')
      // The mirror may have been re-priced by the rolled-back interest.
      await margin.load(this.state)
      return
    }
    const { listed, funding } = run.value
    if (funding.length > 0) log.debug({ block: Number(env.number), perps: funding.length }, 'funding intervals closed')
    if (listed.length > 0) {
      log.info(
        { block: Number(env.number), instruments: listed.length, first: listed[0].name, last: listed.at(-1)!.name },
        'options listed',
      )
    }
  }

  /** The margin system's end-of-block pass (settlement, re-margining, liquidations), contained. */
  private async endOfBlock(env: BlockEnv): Promise<void> {
    const { margin, log } = this.deps
    if (margin === undefined) return
    const run = await this.executor.contained(() => margin.endOfBlock(this.state, this.executor.timestamp))
    if (!run.ok) {
      // Deterministic like everything else in the block: a replaying node fails the same way.
      log.error({ err: run.error, block: Number(env.number) }, 'end-of-block pass failed; rolled back, the block goes on without it')
      await margin.load(this.state)
      return
    }
    const eob = run.value
    if (eob.settled.length > 0) log.info({ settled: eob.settled.map((x) => x.instrumentId) }, 'options settled')
    const { liquidated, waitingOnStalePrice } = eob.liquidation
    if (liquidated.length > 0) {
      this.executor.applySystem(liquidationSystemTx(env.number, eob.liquidation), eob.liquidation.logs)
      log.info(
        { block: Number(env.number), accounts: liquidated.length, badDebts: liquidated.filter((l) => l.badDebt > 0n).length },
        'accounts liquidated',
      )
    }
    if (eob.liquidation.failed.length > 0) {
      log.error({ block: Number(env.number), failed: eob.liquidation.failed }, 'liquidations failed and were rolled back')
    }
    if (waitingOnStalePrice.length > 0) log.warn({ accounts: waitingOnStalePrice.length }, 'liquidations wait for a fresh oracle price')
  }

  /** Makes a committed block the head and tells the listeners. */
  private accept(block: Block, receipts: StoredReceipt[]): void {
    const d = this.deps
    const n = block.header.number
    this.head = block
    this.lastBlockAt = Date.now()
    d.blockHashes.record(n, block.hash())
    d.blocks.remember(n, block, receipts)
    d.mempool.removeMined(receipts.map((r) => r.transactionHash))
    d.mempool.setBaseFee(this.nextBaseFee(block))
    d.onHead(block)
    if (receipts.length > 0) d.log.debug({ number: n, txs: receipts.length, gasUsed: block.header.gasUsed }, 'block')
    d.events.emit('block', block, receipts)
  }
}
