/**
 * The sequencer node: owns the store, the state, the mempool and block production, and answers
 * the RPC layer through `ChainApi`. Created with `createNode`, stopped with `close`.
 */
import { EventEmitter } from 'node:events'
import { type Block, createBlock } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import type { MerkleStateManager } from '@ethereumjs/statemanager'
import { getMerkleStateProof } from '@ethereumjs/statemanager'
import { Capability, getMinimumGasLimit, type TypedTransaction } from '@ethereumjs/tx'
import { Account, bytesToHex, createAddressFromString, equalsBytes, hexToBytes, KECCAK256_NULL, setLengthLeft } from '@ethereumjs/util'
import type { VM } from '@ethereumjs/vm'
import type { Logger } from 'pino'
import { BlockHashes } from '../execution/blockHashes.ts'
import { type BlockEnv, BlockExecutor, effectiveGasPrice, maxFeePerGas } from '../execution/blockPipeline.ts'
import { type CallContext, RPC_GAS_CAP, call as runCall, estimateGas as runEstimate } from '../execution/call.ts'
import { createChainVm } from '../execution/chainVm.ts'
import { createChainCommon, createSharedTxCommon } from '../execution/common.ts'
import { listProposals, type Proposal, readProposal } from '../execution/governance/proposals.ts'
import { liquidationSystemTx } from '../execution/margin/liquidate.ts'
import { MarginSystem } from '../execution/margin/marginSystem.ts'
import { createStateMarginEnv } from '../execution/margin/stateEnv.ts'
import type { PrecompileSpec } from '../execution/precompiles/definePrecompile.ts'
import { decodeRawTx, signedChainId } from '../execution/rawTx.ts'
import {
  applyCreditedDeposits,
  type BlockSystemOps,
  type CreditedDeposit,
  creditedDepositsOf,
  depositLogs,
  depositSystemTx,
} from '../execution/system/depositCredits.ts'
import { decodeBlock, isSystemTx } from '../execution/system/systemTx.ts'
import type { CallRequest, CallResult, StateOverrides } from '../execution/types.ts'
import { RPC_EVM_TIMEOUT_MS, WorkBudget, WorkBudgetExceeded } from '../execution/workBudget.ts'
import type { Genesis } from '../genesis/types.ts'
import { isStoreFailure, StoreFailureError } from '../lib/errors.ts'
import type { RiskParams } from '../risk/index.ts'
import { ChainDb } from '../state/chainDb.ts'
import { bloomMayMatch, logMatches } from '../state/logFilter.ts'
import { decodeReceipts } from '../state/receiptCodec.ts'
import { openStateManager, stateRootReadable } from '../state/stateManager.ts'
import { SYSTEM_ACCOUNTS } from '../state/system/addresses.ts'
import { readGovernedConfig, writeGenesisGovernance } from '../state/system/governanceStore.ts'
import { writeGenesisPrices } from '../state/system/oracleStore.ts'
import type { GovernedConfig } from '../state/system/types.ts'
import type { BlockTag, Hex, LogFilter, StoredLog, StoredReceipt, TxLocation } from '../state/types.ts'
import {
  BlockImportError,
  FeeTooLowError,
  FloorDataGasError,
  GasLimitExceededError,
  GenesisMismatchError,
  IntrinsicGasTooLowError,
  InvalidTransactionError,
  NoMarginConfigError,
  NonceTooLowError,
  ShuttingDownError,
  TooManyLogsError,
  UnknownBlockError,
  UnknownProposalError,
  WrongChainIdError,
} from './errors.ts'
import { HeadAccounts } from './headAccounts.ts'
import { Mempool, type MempoolLimits, type PoolTx, toPoolTx } from './mempool.ts'
import { HeadFeeders, isPriceSubmission } from './priceUpdatePriority.ts'
import type { AccountProof, CallBounds, ChainApi, ChainEvents, FeeHistory, GovernanceApi } from './types.ts'

export interface NodeOptions {
  datadir: string
  genesis: Genesis
  /** Block interval, milliseconds. */
  blockTimeMs: number
  /** An empty block is made when none was for this long, milliseconds. */
  heartbeatMs?: number
  logger: Logger
  /** Start producing blocks at once (default true). */
  produce?: boolean
  /**
   * Extra precompiles, besides the system ones the genesis calls for (the margin system's, with a margin genesis); one
   * at the address of a system precompile replaces it.
   */
  precompiles?: readonly PrecompileSpec[]
  /** Most gas one eth_call / eth_estimateGas may use (default `RPC_GAS_CAP`, geth's 50,000,000). */
  rpcGasCap?: bigint
  /** Time limit of one eth_call / eth_estimateGas, ms (default `RPC_EVM_TIMEOUT_MS`, geth's 5 s). */
  rpcEvmTimeoutMs?: number
  /** How long `stopProducing` lets the block in progress run on, ms (default `STOP_GRACE_MS`). */
  stopGraceMs?: number
  /** Mempool bounds; geth's defaults where absent (`DEFAULT_MEMPOOL_LIMITS`). */
  mempool?: Partial<MempoolLimits>
}

/** Code of a precompile account: INVALID (0xfe). */
const PRECOMPILE_CODE_STUB = Uint8Array.of(0xfe)
/**
 * Longest stretch, in ms, that block production runs transactions without letting the event
 * loop answer RPC requests. Anvil mines on its own thread; ours shares the one JS thread.
 */
const MAX_BUSY_MS = 4
/**
 * How long `stopProducing` lets the block in progress finish, ms; then the transaction running
 * is stopped at its next jump and the block dropped (a block's worth of gas can take seconds).
 */
const STOP_GRACE_MS = 1_000

/** How many recent blocks (with receipts) stay in memory. */
const RECENT_BLOCKS = 512
/** Suggested priority fee, wei. */
const SUGGESTED_TIP = 1_000_000n
const CLIENT_VERSION = `unimargin/v0.1.0/${process.platform}-${process.arch}/node${process.versions.node}`

interface CachedBlock {
  block: Block
  receipts?: StoredReceipt[]
}

/**
 * Opens (or initialises from genesis) the chain in `opts.datadir` and starts producing blocks.
 *
 * @example
 * const node = await createNode({ datadir: './data', genesis: devGenesis(), blockTimeMs: 250, logger })
 * await node.close()
 */
export async function createNode(opts: NodeOptions): Promise<Node> {
  const db = await ChainDb.open(opts.datadir)
  try {
    const common = createChainCommon(opts.genesis.chainId)
    const margin = opts.genesis.margin
      ? new MarginSystem(
          createStateMarginEnv(async (state) => {
            const config = await readGovernedConfig(state)
            if (config === undefined) throw new Error('no governed configuration in state')
            return config
          }),
          opts.genesis.chainId,
        )
      : undefined
    const node = new Node(opts, db, common, margin)
    await node.init()
    if (opts.produce !== false) node.startProducing()
    return node
  } catch (err) {
    await db.close()
    throw err
  }
}

export class Node implements ChainApi, GovernanceApi {
  readonly chainId: bigint
  readonly clientVersion = CLIENT_VERSION
  readonly mempool: Mempool
  /** Senders' accounts at the head, for admission (one state read per sender and block). */
  private readonly headAccounts = new HeadAccounts<Block>()
  /** The governed feeder set at the head, whose price updates go first. */
  private readonly headFeeders = new HeadFeeders<Block>()
  private readonly events = new EventEmitter()
  private readonly blockHashes = new BlockHashes()
  private readonly recent = new Map<bigint, CachedBlock>()
  private state!: MerkleStateManager
  private vm!: VM
  private executor!: BlockExecutor
  private head!: Block
  /** A read-only state at the head, replaced with every block. */
  private headState?: Promise<MerkleStateManager>
  private timer?: NodeJS.Timeout
  private producing?: Promise<void>
  private closed = false
  /** The store failure that stopped the node (`fail`), if one did. */
  private fatalError?: unknown
  private dbClosed = false
  /** Aborted when shutdown starts: every eth_call / eth_estimateGas in flight stops. */
  private readonly callsAbort = new AbortController()
  /** Aborted `STOP_GRACE_MS` after shutdown starts: the block in progress stops and is dropped. */
  private readonly blockAbort = new AbortController()
  /** Decodes transactions (and stored blocks) without a `Common` copy per transaction. */
  private readonly txCommon: Common
  private lastBlockAt = Date.now()
  /** Block-start system operations (bridge deposit credits), when a bridge runs. */
  private systemOps?: BlockSystemOps
  /** The L2 block the `safe`/`finalized` tags name, when a bridge runs. */
  private finalityOf?: (tag: 'safe' | 'finalized') => bigint

  constructor(
    private readonly opts: NodeOptions,
    private readonly db: ChainDb,
    readonly common: Common,
    /** The margin system, when the genesis has markets. */
    readonly margin?: MarginSystem,
  ) {
    this.chainId = opts.genesis.chainId
    this.mempool = new Mempool(opts.mempool)
    this.txCommon = createSharedTxCommon(this.chainId)
    this.events.setMaxListeners(0)
  }

  private get precompiles(): readonly PrecompileSpec[] {
    const extra = this.opts.precompiles ?? []
    const taken = new Set(extra.map((p) => p.address.toLowerCase()))
    const system = this.margin?.precompiles ?? []
    return [...system.filter((p) => !taken.has(p.address.toLowerCase())), ...extra]
  }

  private get log(): Logger {
    return this.opts.logger
  }

  /** Loads the head, or writes the genesis block into a fresh store. */
  async init(): Promise<void> {
    const genesisBlock = await this.buildGenesis()
    const storedGenesis = await this.db.getGenesisHash()
    const genesisHash = bytesToHex(genesisBlock.block.hash()) as Hex
    if (storedGenesis === undefined) {
      await this.db.commitBlock({
        number: 0n,
        hash: genesisHash,
        rlp: genesisBlock.block.serialize(),
        receipts: [],
        txHashes: [],
      })
      this.log.info({ hash: genesisHash, stateRoot: bytesToHex(genesisBlock.block.header.stateRoot) }, 'genesis written')
    } else if (storedGenesis !== genesisHash) {
      throw new GenesisMismatchError(this.opts.datadir, storedGenesis, genesisHash)
    } else {
      this.db.trie.discard()
    }
    const headNumber = (await this.db.getHead()) ?? 0n
    const head = await this.getBlockByNumber(headNumber)
    if (head === undefined) throw new UnknownBlockError(`head ${headNumber} missing from the store`)
    if (!(await stateRootReadable(this.db.trie, head.header.stateRoot))) {
      throw new StoreFailureError(`the store in ${this.opts.datadir} is damaged: the state root of head #${headNumber} is missing`)
    }
    this.head = head
    this.mempool.setBaseFee(this.nextBaseFee(head))
    for (let n = headNumber > 256n ? headNumber - 256n : 0n; n <= headNumber; n++) {
      const b = await this.getBlockByNumber(n)
      if (b) this.blockHashes.record(n, b.hash())
    }
    this.state = await openStateManager(this.db.trie, { common: this.common, root: head.header.stateRoot, caches: true })
    this.vm = await createChainVm({
      common: this.common,
      state: this.state,
      blockHashes: this.blockHashes,
      precompiles: this.precompiles,
      // No deadline (a mined transaction runs to its gas): it only yields, so RPC answers during
      // a heavy transaction, and stops on shutdown.
      budget: new WorkBudget({ signal: this.blockAbort.signal }),
      onContained: (err, where) => this.log.warn({ err, ...where }, 'precompile exception contained as a revert'),
    })
    this.executor = new BlockExecutor(this.vm, this.state, this.common)
    await this.margin?.load(this.state)
  }

  private async buildGenesis(): Promise<{ block: Block }> {
    const g = this.opts.genesis
    const state = await openStateManager(this.db.trie, { common: this.common, caches: true })
    // System accounts get nonce 1 so EIP-161 cleanup never deletes them with their storage.
    // Precompiles also get a one-byte code stub (INVALID, never run: the EVM dispatches to the
    // precompile first) so Solidity's extcodesize check before a call to them passes.
    const precompiles = new Set<Hex>(this.precompiles.map((p) => p.address.toLowerCase() as Hex))
    for (const addrHex of [...new Set<Hex>([...SYSTEM_ACCOUNTS, ...precompiles])].sort()) {
      if (g.alloc[addrHex] !== undefined) continue
      const address = createAddressFromString(addrHex)
      await state.putAccount(address, new Account(1n, 0n))
      if (precompiles.has(addrHex)) await state.putCode(address, PRECOMPILE_CODE_STUB)
    }
    for (const addrHex of Object.keys(g.alloc).sort()) {
      const a = g.alloc[addrHex as Hex]
      const address = createAddressFromString(addrHex)
      await state.putAccount(address, new Account(a.nonce, a.balance))
      if (a.code !== undefined && a.code !== '0x') await state.putCode(address, hexToBytes(a.code))
      for (const [slot, value] of Object.entries(a.storage ?? {})) {
        await state.putStorage(address, hexToBytes(slot as Hex), hexToBytes(value))
      }
    }
    if (g.margin) {
      await writeGenesisGovernance(state, g.margin.config)
      await writeGenesisPrices(state, g.margin.config.market, g.timestamp)
      await MarginSystem.writeGenesis(state, g.margin)
    }
    const stateRoot = await state.getStateRoot()
    const block = createBlock(
      {
        header: {
          number: 0n,
          timestamp: g.timestamp,
          gasLimit: g.gasLimit,
          baseFeePerGas: g.baseFeePerGas,
          coinbase: hexToBytes(g.coinbase),
          extraData: hexToBytes(g.extraData),
          stateRoot,
        },
      },
      { common: this.common },
    )
    return { block }
  }

  /**
   * Wires a bridge in: `ops` runs at the start of every block (inside its state checkpoint,
   * before user transactions) and `finality` answers the `safe`/`finalized` tags.
   */
  attachBridge(ops: BlockSystemOps, finality: (tag: 'safe' | 'finalized') => bigint): void {
    this.systemOps = ops
    this.finalityOf = finality
  }

  // ---------------------------------------------------------------- block production

  /**
   * Starts the block timer: a block every `blockTimeMs`, start to start, when there is work or a
   * heartbeat is due. A block that takes longer than that is followed at once by the next, not
   * at the next multiple of the interval (which left a full pool idle for up to an interval).
   */
  startProducing(): void {
    if (this.timer || this.closed) return
    const schedule = (delay: number) => {
      this.timer = setTimeout(() => {
        const started = Date.now()
        const heartbeatDue = started - this.lastBlockAt >= (this.opts.heartbeatMs ?? 2000)
        if (this.mempool.size === 0 && !heartbeatDue && !this.systemOps?.hasWork()) {
          schedule(this.opts.blockTimeMs)
          return
        }
        this.producing = this.produceBlock()
          .then(() => undefined)
          .catch((err) => {
            if (isStoreFailure(err)) this.fail(err)
            else if (err instanceof ShuttingDownError) this.log.info('block in progress dropped at shutdown')
            else this.log.error({ err }, 'block production failed')
          })
          .finally(() => {
            this.producing = undefined
            if (!this.closed) schedule(Math.max(0, this.opts.blockTimeMs - (Date.now() - started)))
          })
      }, delay)
    }
    schedule(this.opts.blockTimeMs)
  }

  /**
   * The store failed under a block (DESIGN.md, "Containment": the one fatal failure): nothing of
   * the block was committed; production stops and `onFatal` listeners are told (the CLI exits).
   */
  private fail(err: unknown): void {
    this.log.fatal({ err }, 'the store failed: block production stopped, nothing of the block was committed')
    this.fatalError = err
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.events.emit('fatal', err)
  }

  /** Calls `fn` once the node has stopped on a store failure. */
  onFatal(fn: (err: unknown) => void): void {
    this.events.once('fatal', fn)
  }

  /** Base fee of the block after `parent` (EIP-1559, with the genesis floor). */
  private nextBaseFee(parent: Block): bigint {
    const fee = parent.header.calcNextBaseFee()
    return fee < this.opts.genesis.minBaseFeePerGas ? this.opts.genesis.minBaseFeePerGas : fee
  }

  /**
   * Builds, commits and announces one block from the mempool. Returns the block, or undefined
   * when the node is closing.
   */
  async produceBlock(): Promise<Block | undefined> {
    // After a store failure nothing more is built on a store that cannot be trusted.
    if (this.fatalError !== undefined) throw this.fatalError
    const parent = this.head
    const now = BigInt(Math.floor(Date.now() / 1000))
    const baseFee = this.nextBaseFee(parent)
    const env: BlockEnv = {
      number: parent.header.number + 1n,
      parentHash: parent.hash(),
      timestamp: now > parent.header.timestamp ? now : parent.header.timestamp,
      gasLimit: this.opts.genesis.gasLimit,
      baseFeePerGas: baseFee,
      coinbase: this.opts.genesis.coinbase,
    }
    const feeders = await this.feedersAt(parent)
    return this.buildBlock(env, undefined, undefined, async () => {
      const expired = this.mempool.expire()
      if (expired.length > 0) this.log.debug({ txs: expired.length }, 'queued transactions expired')
      let busySince = performance.now()
      const busy = () => performance.now() - busySince > MAX_BUSY_MS
      const letRequestsIn = async () => {
        // Waiting RPC requests read committed state only (the head, `stateAt`), never this
        // block's, and a full block would otherwise hold them for 100+ ms.
        await new Promise<void>((resolve) => setImmediate(resolve))
        busySince = performance.now()
      }
      // Every sender's nonce at the parent (cold accounts of a full pool of 5,120 senders: ~200 ms).
      for (const sender of this.mempool.senders()) {
        if (busy()) await letRequestsIn()
        const acct = await this.state.getAccount(createAddressFromString(sender))
        this.mempool.reconcile(sender, acct?.nonce ?? 0n)
      }
      const blocked = new Set<Hex>()
      // The pool's runs are taken when the loop starts: transactions admitted while the block
      // yields (below) wait for the next block. Feeders' price updates go first.
      const isPriority = (ptx: PoolTx) => feeders.has(ptx.sender) && isPriceSubmission(ptx.tx)
      for (const ptx of this.mempool.executable(baseFee, { isPriority, blocked })) {
        // Shutting down: the block ends with what it has.
        if (this.closed) break
        if (busy()) await letRequestsIn()
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
          this.log.debug({ tx: ptx.hash, error: out.error }, 'transaction dropped')
          this.mempool.dropFrom(ptx)
          blocked.add(ptx.sender)
        }
      }
    })
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
  async importBlock(block: Block): Promise<void> {
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
    await this.buildBlock(env, block, deposits, async () => {
      for (const tx of block.transactions) {
        if (isSystemTx(tx)) continue
        const out = await this.executor.apply(tx, tx.getSenderAddress())
        if ('error' in out) throw new BlockImportError(h.number, `transaction ${bytesToHex(tx.hash())}: ${out.error}`)
      }
    })
  }

  /**
   * One block: opens it at `env`, credits bridge deposits (from the queue when producing,
   * `imported` when importing) as the block's first, system, transaction, lets `fill` run its
   * transactions, runs the margin system's end-of-block pass, seals, checks it against
   * `expected` (imports), commits in one batch and makes it the head. Any failure leaves the
   * chain at the previous block.
   */
  private async buildBlock(
    env: BlockEnv,
    expected: Block | undefined,
    imported: readonly CreditedDeposit[] | undefined,
    fill: () => Promise<void>,
  ): Promise<Block> {
    await this.executor.begin(env)
    try {
      const touch = (a: Hex) => this.margin?.touch(a)
      let credited: readonly CreditedDeposit[] | undefined
      if (imported === undefined && this.systemOps !== undefined) {
        // A system operation that throws is rolled back and the block goes on without it; its
        // deposits go back to the queue.
        const ops = this.systemOps
        const out = await this.executor.contained(() => ops.beforeTransactions(this.state, env.number, touch))
        if (out.ok) credited = out.value
        else {
          this.log.error({ err: out.error, block: Number(env.number) }, 'deposit credits failed; rolled back, retried next block')
          ops.aborted()
        }
      } else if (imported !== undefined && imported.length > 0) {
        await applyCreditedDeposits(this.state, imported, touch)
        credited = imported
      }
      if (credited !== undefined && credited.length > 0) {
        this.executor.applySystem(depositSystemTx(env.number, credited), depositLogs(credited))
      }
      await fill()
      const margin = this.margin
      const eobRun = margin && (await this.executor.contained(() => margin.endOfBlock(this.state, this.executor.timestamp)))
      if (eobRun && !eobRun.ok) {
        // Deterministic like everything else in the block: a replaying node fails the same way.
        this.log.error(
          { err: eobRun.error, block: Number(env.number) },
          'end-of-block pass failed; rolled back, the block goes on without it',
        )
        await margin!.load(this.state)
      }
      if (eobRun?.ok) {
        const eob = eobRun.value
        if (eob.settled.length > 0) this.log.info({ settled: eob.settled.map((x) => x.instrumentId) }, 'options settled')
        const { liquidated, waitingOnStalePrice } = eob.liquidation
        if (liquidated.length > 0) {
          this.executor.applySystem(liquidationSystemTx(env.number, eob.liquidation), eob.liquidation.logs)
          this.log.info(
            { block: Number(env.number), accounts: liquidated.length, badDebts: liquidated.filter((l) => l.badDebt > 0n).length },
            'accounts liquidated',
          )
        }
        if (eob.liquidation.failed.length > 0) {
          this.log.error({ block: Number(env.number), failed: eob.liquidation.failed }, 'liquidations failed and were rolled back')
        }
        if (waitingOnStalePrice.length > 0) {
          this.log.warn({ accounts: waitingOnStalePrice.length }, 'liquidations wait for a fresh oracle price')
        }
      }
      const { block, receipts } = await this.executor.seal()
      if (!(await stateRootReadable(this.db.trie, block.header.stateRoot))) {
        throw new StoreFailureError(`block ${env.number}: its state root ${bytesToHex(block.header.stateRoot)} is not in the store`)
      }
      if (expected !== undefined && !equalsBytes(block.hash(), expected.hash())) {
        const why = equalsBytes(block.header.stateRoot, expected.header.stateRoot)
          ? 'block hash differs'
          : `state root ${bytesToHex(block.header.stateRoot)} differs from ${bytesToHex(expected.header.stateRoot)}`
        throw new BlockImportError(env.number, why)
      }
      if (expected !== undefined && !sameTransactions(block, expected)) {
        // Same header, different body: a block whose transactions are not the ones its header commits to.
        throw new BlockImportError(env.number, 'its transactions are not those of its header')
      }
      await this.db.commitBlock({
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
      // Back to the head: the checkpoint if the block was still open, and the state root in any
      // case (sealing has already committed the checkpoint and flushed into the trie buffer).
      await this.executor.abort()
      if (imported === undefined) this.systemOps?.aborted()
      this.db.trie.discard()
      await this.state.setStateRoot(this.head.header.stateRoot, true)
      await this.margin?.load(this.state)
      throw err
    }
  }

  /** Makes a committed block the head and tells the listeners. */
  private accept(block: Block, receipts: StoredReceipt[]): void {
    const n = block.header.number
    this.head = block
    this.headState = undefined
    this.lastBlockAt = Date.now()
    this.blockHashes.record(n, block.hash())
    this.remember(n, { block, receipts })
    this.mempool.removeMined(receipts.map((r) => r.transactionHash))
    this.mempool.setBaseFee(this.nextBaseFee(block))
    if (receipts.length > 0) {
      this.log.debug({ number: n, txs: receipts.length, gasUsed: block.header.gasUsed }, 'block')
    }
    this.events.emit('block', block, receipts)
  }

  private remember(n: bigint, entry: CachedBlock): void {
    this.recent.set(n, entry)
    if (this.recent.size > RECENT_BLOCKS) {
      const oldest = this.recent.keys().next().value as bigint
      this.recent.delete(oldest)
    }
  }

  /**
   * Stops taking transactions and making blocks, and aborts every eth_call / eth_estimateGas in
   * flight; resolves once the block in progress is committed with the transactions it has run,
   * or, when its transaction still runs after `STOP_GRACE_MS`, dropped. Reads keep working
   * until `close`.
   */
  async stopProducing(): Promise<void> {
    this.closed = true
    this.callsAbort.abort()
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (this.producing === undefined) return
    const grace = setTimeout(() => this.blockAbort.abort(), this.opts.stopGraceMs ?? STOP_GRACE_MS)
    try {
      await this.producing
    } finally {
      clearTimeout(grace)
    }
  }

  /** Stops block production (finishing the block in progress) and closes the store. */
  async close(): Promise<void> {
    if (this.dbClosed) return
    this.dbClosed = true
    await this.stopProducing()
    await this.db.close()
  }

  // ---------------------------------------------------------------- transactions in

  async sendRawTransaction(raw: Uint8Array): Promise<Hex> {
    if (this.closed) throw new ShuttingDownError()
    const tx = this.decode(raw)
    const hash = bytesToHex(tx.hash()) as Hex
    let senderAddr: ReturnType<TypedTransaction['getSenderAddress']>
    try {
      senderAddr = tx.getSenderAddress()
    } catch (err) {
      throw new InvalidTransactionError('invalid sender', { cause: err })
    }
    const sender = senderAddr.toString().toLowerCase() as Hex
    const intrinsic = tx.getIntrinsicGas()
    if (tx.gasLimit < intrinsic) throw new IntrinsicGasTooLowError(tx.gasLimit, intrinsic)
    const floor = getMinimumGasLimit(tx, senderAddr)
    if (tx.gasLimit < floor) throw new FloorDataGasError(tx.gasLimit, floor)
    if (tx.gasLimit > this.opts.genesis.gasLimit) throw new GasLimitExceededError(tx.gasLimit, this.opts.genesis.gasLimit)
    const baseFee = this.nextBaseFee(this.head)
    const maxFee = maxFeePerGas(tx)
    if (maxFee < baseFee) throw new FeeTooLowError(maxFee, baseFee)
    // The account and the feeder set as of one head: a block accepted while they are read has
    // already moved the pool on to the next head.
    let account: Account
    let feeders: ReadonlySet<Hex>
    for (;;) {
      const head = this.head
      account =
        (await this.headAccounts.get(head, sender, async () => (await this.readHeadState()).getAccount(senderAddr))) ?? new Account()
      feeders = await this.feedersAt(head)
      if (head === this.head) break
    }
    if (tx.nonce < account.nonce) throw new NonceTooLowError(senderAddr.toString() as Hex, account.nonce, tx.nonce)
    const priority = feeders.has(sender) && isPriceSubmission(tx)
    // The pool checks the balance against this and the sender's pooled transactions before it.
    const { evicted } = this.mempool.add(toPoolTx(tx, sender, hash, priority), account)
    if (evicted.length > 0) this.log.debug({ tx: hash, evicted: evicted.map((e) => e.hash) }, 'evicted to make room')
    this.events.emit('pendingTransaction', hash)
    return hash
  }

  /** The governed oracle feeder set at `head` (lower case; empty without a margin genesis). */
  private feedersAt(head: Block): ReadonlySet<Hex> | Promise<ReadonlySet<Hex>> {
    return this.headFeeders.get(head, async () => {
      const config = await readGovernedConfig(await this.readHeadState())
      return config?.oracle.feeders ?? []
    })
  }

  private decode(raw: Uint8Array): TypedTransaction {
    if (raw.length === 0) throw new InvalidTransactionError('empty transaction')
    if (raw[0] === 3) throw new InvalidTransactionError('blob transactions are not supported')
    let tx: TypedTransaction
    try {
      tx = decodeRawTx(raw, this.txCommon)
    } catch (err) {
      // A transaction signed for another chain does not decode with this chain's Common; the id
      // it was signed for is read from its bytes (@ethereumjs's message words it per type).
      const signedFor = signedChainId(raw)
      if (signedFor !== undefined && signedFor !== this.chainId) throw new WrongChainIdError(this.chainId, signedFor)
      const msg = (err as Error).message ?? ''
      throw new InvalidTransactionError(msg.split('\n')[0] || 'undecodable', { cause: err })
    }
    if (!tx.isSigned()) throw new InvalidTransactionError('transaction is not signed')
    if (tx.supports(Capability.EIP155ReplayProtection) && tx.common.chainId() !== this.chainId) {
      throw new WrongChainIdError(this.chainId, tx.common.chainId())
    }
    return tx
  }

  // ---------------------------------------------------------------- reads

  headNumber(): bigint {
    return this.head.header.number
  }

  on<E extends keyof ChainEvents>(event: E, fn: ChainEvents[E]): void {
    this.events.on(event, fn)
  }

  off<E extends keyof ChainEvents>(event: E, fn: ChainEvents[E]): void {
    this.events.off(event, fn)
  }

  async resolveBlock(tag: BlockTag): Promise<bigint> {
    if (typeof tag === 'bigint') {
      if (tag > this.headNumber() || tag < 0n) throw new UnknownBlockError(`0x${tag.toString(16)}`)
      return tag
    }
    if (typeof tag === 'object') {
      const n = await this.db.getBlockNumber(tag.hash)
      if (n === undefined || n > this.headNumber()) throw new UnknownBlockError(tag.hash)
      return n
    }
    switch (tag) {
      case 'latest':
      case 'pending':
        return this.headNumber()
      case 'earliest':
        return 0n
      case 'safe':
      case 'finalized': {
        // The newest L2 block whose commitment the L1 holds as safe/finalized; genesis before any.
        const n = this.finalityOf?.(tag) ?? 0n
        return n > this.headNumber() ? this.headNumber() : n
      }
    }
    throw new UnknownBlockError(String(tag))
  }

  async getBlockByNumber(n: bigint): Promise<Block | undefined> {
    const cached = this.recent.get(n)
    if (cached) return cached.block
    const rlp = await this.db.getBlockRlp(n)
    if (rlp === undefined) return undefined
    const block = decodeBlock(rlp, this.txCommon)
    if (this.head === undefined || n + BigInt(RECENT_BLOCKS) > this.head.header.number) {
      this.remember(n, { block })
    }
    return block
  }

  async getBlockByHash(hash: Hex): Promise<Block | undefined> {
    const n = await this.db.getBlockNumber(hash)
    return n === undefined ? undefined : this.getBlockByNumber(n)
  }

  async getBlockReceipts(n: bigint): Promise<StoredReceipt[]> {
    const cached = this.recent.get(n)
    if (cached?.receipts) return cached.receipts
    const block = await this.getBlockByNumber(n)
    const raw = await this.db.getReceiptsRaw(n)
    if (block === undefined || raw === undefined) return []
    const receipts = decodeReceipts(raw, n, bytesToHex(block.hash()) as Hex)
    const entry = this.recent.get(n)
    if (entry) entry.receipts = receipts
    return receipts
  }

  async getTransaction(hash: Hex): Promise<TxLocation | { tx: TypedTransaction; pending: true } | undefined> {
    const loc = await this.db.getTxLocation(hash)
    if (loc !== undefined && loc.blockNumber <= this.headNumber()) {
      const block = await this.getBlockByNumber(loc.blockNumber)
      if (block) {
        return {
          tx: block.transactions[loc.index],
          blockHash: bytesToHex(block.hash()) as Hex,
          blockNumber: loc.blockNumber,
          transactionIndex: loc.index,
        }
      }
    }
    const pooled = this.mempool.get(hash)
    return pooled ? { tx: pooled.tx, pending: true } : undefined
  }

  async getReceipt(hash: Hex): Promise<StoredReceipt | undefined> {
    const loc = await this.db.getTxLocation(hash)
    if (loc === undefined || loc.blockNumber > this.headNumber()) return undefined
    const receipts = await this.getBlockReceipts(loc.blockNumber)
    return receipts[loc.index]
  }

  async getLogs(filter: LogFilter, limit?: number): Promise<StoredLog[]> {
    let from = filter.fromBlock
    let to = filter.toBlock
    if (filter.blockHash !== undefined) {
      const n = await this.db.getBlockNumber(filter.blockHash)
      if (n === undefined) throw new UnknownBlockError(filter.blockHash)
      from = n
      to = n
    }
    if (to > this.headNumber()) to = this.headNumber()
    const out: StoredLog[] = []
    for (let n = from; n <= to; n++) {
      const block = await this.getBlockByNumber(n)
      if (block === undefined || !bloomMayMatch(block.header.logsBloom, filter)) continue
      for (const r of await this.getBlockReceipts(n)) {
        for (const log of r.logs) if (logMatches(log, filter)) out.push(log)
      }
      if (limit !== undefined && out.length > limit) throw new TooManyLogsError(limit, from, n > from ? n - 1n : undefined)
    }
    return out
  }

  /** The bridge deposits block `n` credited at its start (its first, system, transaction; empty when none). */
  async getBlockDeposits(n: bigint): Promise<CreditedDeposit[]> {
    const block = await this.getBlockByNumber(n)
    return (block && creditedDepositsOf(block.transactions[0])) ?? []
  }

  /** The node's LevelDB as a string key-value store for side stores (the bridge's cursors). */
  keyValueStore(): ReturnType<ChainDb['keyValue']> {
    return this.db.keyValue()
  }

  /** A read-only state at the head (shared until the next block). */
  private readHeadState(): Promise<MerkleStateManager> {
    if (this.headState === undefined) {
      this.headState = openStateManager(this.db.trie, {
        common: this.common,
        root: this.head.header.stateRoot,
        caches: true,
      })
    }
    return this.headState
  }

  /** A fresh state manager at the state of block `tag` (callers may scribble inside a checkpoint). */
  async stateAt(tag: BlockTag): Promise<{ state: MerkleStateManager; block: Block }> {
    const n = await this.resolveBlock(tag)
    const block = await this.getBlockByNumber(n)
    if (block === undefined) throw new UnknownBlockError(`0x${n.toString(16)}`)
    const state = await openStateManager(this.db.trie, { common: this.common, root: block.header.stateRoot })
    return { state, block }
  }

  private async accountAt(address: Hex, tag: BlockTag): Promise<Account | undefined> {
    const { state } = await this.stateAt(tag)
    return state.getAccount(createAddressFromString(address))
  }

  async getBalance(address: Hex, tag: BlockTag): Promise<bigint> {
    return (await this.accountAt(address, tag))?.balance ?? 0n
  }

  async getTransactionCount(address: Hex, tag: BlockTag): Promise<bigint> {
    if (tag !== 'pending') return (await this.accountAt(address, tag))?.nonce ?? 0n
    // The head's nonce and the pool must be read as of the same head: a block accepted while the
    // state read waits has already taken its transactions out of the pool.
    for (;;) {
      const head = this.head
      const nonce = (await (await this.readHeadState()).getAccount(createAddressFromString(address)))?.nonce ?? 0n
      if (head === this.head) return this.mempool.nextNonce(address.toLowerCase() as Hex, nonce)
    }
  }

  async getCode(address: Hex, tag: BlockTag): Promise<Hex> {
    const { state } = await this.stateAt(tag)
    return bytesToHex(await state.getCode(createAddressFromString(address))) as Hex
  }

  async getStorageAt(address: Hex, slot: Hex, tag: BlockTag): Promise<Hex> {
    const { state } = await this.stateAt(tag)
    const addr = createAddressFromString(address)
    const value =
      (await state.getAccount(addr)) === undefined ? new Uint8Array() : await state.getStorage(addr, setLengthLeft(hexToBytes(slot), 32))
    return bytesToHex(setLengthLeft(value, 32)) as Hex
  }

  async getProof(address: Hex, slots: Hex[], tag: BlockTag): Promise<AccountProof> {
    const { state } = await this.stateAt(tag)
    const proof = await getMerkleStateProof(
      state,
      createAddressFromString(address),
      slots.map((s) => setLengthLeft(hexToBytes(s), 32)),
    )
    return {
      address: address.toLowerCase() as Hex,
      balance: BigInt(proof.balance),
      codeHash: proof.codeHash === '0x' ? (bytesToHex(KECCAK256_NULL) as Hex) : (proof.codeHash as Hex),
      nonce: BigInt(proof.nonce),
      storageHash: proof.storageHash as Hex,
      accountProof: proof.accountProof as Hex[],
      storageProof: proof.storageProof.map((p, i) => ({
        key: slots[i],
        value: BigInt(p.value === '0x' ? 0 : p.value),
        proof: p.proof as Hex[],
      })),
    }
  }

  // ---------------------------------------------------------------- governance reads

  async getGovernedConfig(tag: BlockTag): Promise<GovernedConfig> {
    const { state } = await this.stateAt(tag)
    const config = await readGovernedConfig(state)
    if (config === undefined) throw new NoMarginConfigError()
    return config
  }

  async getRiskParams(tag: BlockTag): Promise<RiskParams> {
    return (await this.getGovernedConfig(tag)).riskParams
  }

  async getProposal(id: bigint, tag: BlockTag): Promise<Proposal> {
    const { state } = await this.stateAt(tag)
    if (this.opts.genesis.margin === undefined) throw new NoMarginConfigError()
    const p = await readProposal(state, id)
    if (p === undefined) throw new UnknownProposalError(id)
    return p
  }

  async listProposals(tag: BlockTag): Promise<Proposal[]> {
    const { state } = await this.stateAt(tag)
    if (this.opts.genesis.margin === undefined) throw new NoMarginConfigError()
    return listProposals(state)
  }

  private async callContext(tag: BlockTag, bounds?: CallBounds): Promise<CallContext> {
    if (this.closed) throw new ShuttingDownError()
    const { state, block } = await this.stateAt(tag)
    return {
      common: this.common,
      state,
      block,
      blockHashes: this.blockHashes,
      gasCap: this.opts.rpcGasCap ?? RPC_GAS_CAP,
      blockGasLimit: this.opts.genesis.gasLimit,
      precompiles: this.precompiles,
      budget: new WorkBudget({
        timeoutMs: this.opts.rpcEvmTimeoutMs ?? RPC_EVM_TIMEOUT_MS,
        deadline: bounds?.deadline,
        signal: this.callsAbort.signal,
      }),
    }
  }

  /** Aborted by shutdown: the caller hears that the node is shutting down. */
  private async bounded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (err) {
      if (err instanceof WorkBudgetExceeded && err.reason === 'aborted') throw new ShuttingDownError()
      throw err
    }
  }

  async call(req: CallRequest, tag: BlockTag, overrides?: StateOverrides, bounds?: CallBounds): Promise<CallResult> {
    return this.bounded(async () => runCall(await this.callContext(tag, bounds), req, overrides))
  }

  async estimateGas(req: CallRequest, tag: BlockTag, overrides?: StateOverrides, bounds?: CallBounds): Promise<bigint> {
    return this.bounded(async () => runEstimate(await this.callContext(tag, bounds), req, overrides))
  }

  gasPrice(): bigint {
    return this.nextBaseFee(this.head) * 2n + SUGGESTED_TIP
  }

  maxPriorityFeePerGas(): bigint {
    return SUGGESTED_TIP
  }

  async feeHistory(blockCount: number, newest: BlockTag, percentiles?: number[]): Promise<FeeHistory> {
    const last = await this.resolveBlock(newest)
    const count = BigInt(Math.max(0, Math.min(blockCount, 1024)))
    const first = last + 1n - count < 0n ? 0n : last + 1n - count
    const baseFeePerGas: bigint[] = []
    const gasUsedRatio: number[] = []
    const reward: bigint[][] = []
    let lastBlock: Block | undefined
    for (let n = first; n <= last && count > 0n; n++) {
      const block = (await this.getBlockByNumber(n))!
      lastBlock = block
      const baseFee = block.header.baseFeePerGas ?? 0n
      baseFeePerGas.push(baseFee)
      gasUsedRatio.push(Number(block.header.gasUsed) / Number(block.header.gasLimit))
      if (percentiles) reward.push(await this.rewards(block, baseFee, percentiles))
    }
    if (lastBlock) baseFeePerGas.push(this.nextBaseFee(lastBlock))
    return { oldestBlock: first, baseFeePerGas, gasUsedRatio, ...(percentiles ? { reward } : {}) }
  }

  /** Priority fees paid at each percentile of gas used in `block` (as geth computes them). */
  private async rewards(block: Block, baseFee: bigint, percentiles: number[]): Promise<bigint[]> {
    const receipts = await this.getBlockReceipts(block.header.number)
    if (receipts.length === 0) return percentiles.map(() => 0n)
    const items = block.transactions
      .map((tx, i) => ({ tx, tip: effectiveGasPrice(tx, baseFee) - baseFee, gas: receipts[i]?.gasUsed ?? 0n }))
      .filter((it) => !isSystemTx(it.tx))
      .sort((a, b) => (a.tip < b.tip ? -1 : a.tip > b.tip ? 1 : 0))
    const total = Number(block.header.gasUsed)
    return percentiles.map((p) => {
      const threshold = (total * p) / 100
      let sum = 0
      for (const it of items) {
        sum += Number(it.gas)
        if (sum >= threshold) return it.tip
      }
      return items[items.length - 1].tip
    })
  }
}

/** Whether two blocks hold the same transactions, in the same order. */
function sameTransactions(a: Block, b: Block): boolean {
  return (
    a.transactions.length === b.transactions.length && a.transactions.every((tx, i) => equalsBytes(tx.hash(), b.transactions[i].hash()))
  )
}
