/**
 * The sequencer node: wires the store, the state, the mempool and block production together and
 * answers the RPC layer through `ChainApi`. Created with `createNode`, stopped with `close`. The
 * work is done by its parts: `BlockProducer` (the head and how it moves), `Admission`
 * (transactions in), `BlockReads` and `StateReads` (the chain and its state), `Calls`
 * (eth_call / eth_estimateGas) and `fees.ts`.
 */
import { EventEmitter } from 'node:events'
import type { Block } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import type { MerkleStateManager } from '@ethereumjs/statemanager'
import type { TypedTransaction } from '@ethereumjs/tx'
import { bytesToHex, createAddressFromString } from '@ethereumjs/util'
import type { Logger } from 'pino'
import { BlockHashes } from '../execution/blockHashes.ts'
import { createChainCommon, createSharedTxCommon } from '../execution/common.ts'
import type { Proposal } from '../execution/governance/proposals.ts'
import { MarginSystem } from '../execution/margin/marginSystem.ts'
import { createStateMarginEnv } from '../execution/margin/stateEnv.ts'
import type { PrecompileSpec } from '../execution/precompiles/definePrecompile.ts'
import type { BlockSystemOps, CreditedDeposit } from '../execution/system/depositCredits.ts'
import type { CallRequest, CallResult, StateOverrides } from '../execution/types.ts'
import type { Genesis } from '../genesis/types.ts'
import { writeGenesisState } from '../genesis/writeGenesisState.ts'
import { StoreFailureError } from '../lib/errors.ts'
import { ChainDb } from '../state/chainDb.ts'
import { stateRootReadable } from '../state/stateManager.ts'
import { readGovernedConfig } from '../state/system/governanceStore.ts'
import type { GovernedConfig, RiskParamsInForce } from '../state/system/types.ts'
import type { BlockTag, Hex, LogFilter, StoredLog, StoredReceipt, TxLocation } from '../state/types.ts'
import { Admission } from './admission.ts'
import { BlockClock } from './blockClock.ts'
import { BlockReads } from './blockReads.ts'
import { Calls } from './calls.ts'
import { GenesisMismatchError, UnknownBlockError } from './errors.ts'
import { feeHistory, SUGGESTED_TIP } from './fees.ts'
import { Mempool, type MempoolLimits } from './mempool.ts'
import { BlockProducer } from './producer.ts'
import { StateReads } from './stateReads.ts'
import type { AccountProof, CallBounds, ChainApi, ChainEvents, DevChainApi, FeeHistory, GovernanceApi } from './types.ts'

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

const CLIENT_VERSION = `unimargin/v0.1.0/${process.platform}-${process.arch}/node${process.versions.node}`
/** How many blocks back BLOCKHASH answers (and the ring is filled from, on open). */
const BLOCKHASH_WINDOW = 256n

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

export class Node implements ChainApi, GovernanceApi, DevChainApi {
  readonly chainId: bigint
  readonly clientVersion = CLIENT_VERSION
  readonly mempool: Mempool
  private readonly events = new EventEmitter()
  private readonly blockHashes = new BlockHashes()
  private readonly blocks: BlockReads
  private readonly reads: StateReads
  private readonly producer: BlockProducer
  private readonly admission: Admission
  private readonly calls: Calls
  /** What produced blocks are stamped with; the dev time methods move it. */
  private readonly clock = new BlockClock()
  private dbClosed = false

  constructor(
    private readonly opts: NodeOptions,
    private readonly db: ChainDb,
    readonly common: Common,
    /** The margin system, when the genesis has markets. */
    readonly margin?: MarginSystem,
  ) {
    this.chainId = opts.genesis.chainId
    this.mempool = new Mempool(opts.mempool)
    this.events.setMaxListeners(0)
    const g = opts.genesis
    const log = opts.logger
    const txCommon = createSharedTxCommon(this.chainId)
    const precompiles = this.precompiles
    const head = () => this.producer.head
    this.blocks = new BlockReads(db, txCommon, () => head()?.header.number)
    this.reads = new StateReads(db.trie, common, this.blocks, head, g.margin !== undefined)
    this.admission = new Admission({
      chainId: this.chainId,
      txCommon,
      blockGasLimit: g.gasLimit,
      mempool: this.mempool,
      log,
      head,
      nextBaseFee: () => this.producer.nextBaseFee(),
      headState: () => this.reads.headStateNow(),
      closed: () => this.producer.closed,
      onPending: (hash) => this.events.emit('pendingTransaction', hash),
    })
    this.producer = new BlockProducer({
      ...opts,
      db,
      common,
      mempool: this.mempool,
      events: this.events,
      blockHashes: this.blockHashes,
      blocks: this.blocks,
      precompiles,
      margin,
      log,
      feedersAt: (b) => this.admission.feedersAt(b),
      onHead: () => this.reads.headMoved(),
      clock: this.clock,
    })
    this.calls = new Calls({
      common,
      blockHashes: this.blockHashes,
      precompiles,
      blockGasLimit: g.gasLimit,
      gasCap: opts.rpcGasCap,
      timeoutMs: opts.rpcEvmTimeoutMs,
      stateAt: (tag) => this.reads.stateAt(tag),
      closed: () => this.producer.closed,
    })
  }

  /** The margin system's precompiles, with `opts.precompiles` added (replacing one at the same address). */
  private get precompiles(): readonly PrecompileSpec[] {
    const extra = this.opts.precompiles ?? []
    const taken = new Set(extra.map((p) => p.address.toLowerCase()))
    const system = this.margin?.precompiles ?? []
    return [...system.filter((p) => !taken.has(p.address.toLowerCase())), ...extra]
  }

  /** Loads the head, or writes the genesis block into a fresh store. */
  async init(): Promise<void> {
    const { db, opts } = this
    const precompiles = this.precompiles.map((p) => p.address)
    const genesis = await writeGenesisState(db.trie, this.common, opts.genesis, precompiles)
    const storedGenesis = await db.getGenesisHash()
    const genesisHash = bytesToHex(genesis.hash()) as Hex
    if (storedGenesis === undefined) {
      await db.commitBlock({ number: 0n, hash: genesisHash, rlp: genesis.serialize(), receipts: [], txHashes: [] })
      opts.logger.info({ hash: genesisHash, stateRoot: bytesToHex(genesis.header.stateRoot) }, 'genesis written')
    } else if (storedGenesis !== genesisHash) {
      throw new GenesisMismatchError(opts.datadir, storedGenesis, genesisHash)
    } else {
      db.trie.discard()
    }
    const headNumber = (await db.getHead()) ?? 0n
    const head = await this.blocks.getBlockByNumber(headNumber)
    if (head === undefined) throw new UnknownBlockError(`head ${headNumber} missing from the store`)
    if (!(await stateRootReadable(db.trie, head.header.stateRoot))) {
      throw new StoreFailureError(`the store in ${opts.datadir} is damaged: the state root of head #${headNumber} is missing`)
    }
    for (let n = headNumber > BLOCKHASH_WINDOW ? headNumber - BLOCKHASH_WINDOW : 0n; n <= headNumber; n++) {
      const b = await this.blocks.getBlockByNumber(n)
      if (b) this.blockHashes.record(n, b.hash())
    }
    await this.producer.open(head)
  }

  /**
   * Wires a bridge in: `ops` runs at the start of every block (inside its state checkpoint,
   * before user transactions) and `finality` answers the `safe`/`finalized` tags.
   */
  attachBridge(ops: BlockSystemOps, finality: (tag: 'safe' | 'finalized') => bigint): void {
    this.producer.systemOps = ops
    this.blocks.finalityOf = finality
  }

  // ---------------------------------------------------------------- the head

  /** Starts the block timer (BlockProducer.start). */
  startProducing(): void {
    this.producer.start()
  }

  /**
   * Builds, commits and announces one block from the mempool, stamped now, or at
   * `opts.timestamp` (unix seconds; never before the parent) when a test moves the clock.
   */
  produceBlock(opts: { timestamp?: bigint } = {}): Promise<Block | undefined> {
    return this.producer.produce(opts.timestamp)
  }

  /** `evm_increaseTime`: moves the block clock `seconds` ahead; returns the total offset, seconds. */
  increaseTime(seconds: bigint): bigint {
    return this.clock.increase(seconds)
  }

  /**
   * `evm_setNextBlockTimestamp`: the next produced block is stamped `timestamp` (unix seconds),
   * and the clock runs on from it.
   *
   * @throws TimestampError when it is before the head's timestamp.
   */
  setNextBlockTimestamp(timestamp: bigint): void {
    this.clock.setNext(timestamp, this.producer.head.header.timestamp)
  }

  /** Re-executes another node's block and commits it if it reproduces exactly (BlockProducer.import). */
  importBlock(block: Block): Promise<void> {
    return this.producer.import(block)
  }

  /** Calls `fn` once the node has stopped on a store failure. */
  onFatal(fn: (err: unknown) => void): void {
    this.events.once('fatal', fn)
  }

  /**
   * Stops taking transactions and making blocks, and aborts every eth_call / eth_estimateGas in
   * flight; resolves once the block in progress is committed with the transactions it has run,
   * or, when its transaction still runs after the grace, dropped. Reads keep working until `close`.
   */
  async stopProducing(): Promise<void> {
    const stopping = this.producer.stop()
    this.calls.stopAll()
    await stopping
  }

  /** Stops block production (finishing the block in progress) and closes the store. */
  async close(): Promise<void> {
    if (this.dbClosed) return
    this.dbClosed = true
    await this.stopProducing()
    await this.db.close()
  }

  headNumber(): bigint {
    return this.producer.head.header.number
  }

  on<E extends keyof ChainEvents>(event: E, fn: ChainEvents[E]): void {
    this.events.on(event, fn)
  }

  off<E extends keyof ChainEvents>(event: E, fn: ChainEvents[E]): void {
    this.events.off(event, fn)
  }

  // ---------------------------------------------------------------- transactions

  sendRawTransaction(raw: Uint8Array): Promise<Hex> {
    return this.admission.send(raw)
  }

  async getTransaction(hash: Hex): Promise<TxLocation | { tx: TypedTransaction; pending: true } | undefined> {
    const mined = await this.blocks.getMinedTransaction(hash)
    if (mined !== undefined) return mined
    const pooled = this.mempool.get(hash)
    return pooled ? { tx: pooled.tx, pending: true } : undefined
  }

  async getTransactionCount(address: Hex, tag: BlockTag): Promise<bigint> {
    if (tag !== 'pending') return (await this.reads.accountAt(address, tag))?.nonce ?? 0n
    // The head's nonce and the pool must be read as of the same head: a block accepted while the
    // state read waits has already taken its transactions out of the pool.
    for (;;) {
      const head = this.producer.head
      const nonce = (await (await this.reads.headStateNow()).getAccount(createAddressFromString(address)))?.nonce ?? 0n
      if (head === this.producer.head) return this.mempool.nextNonce(address.toLowerCase() as Hex, nonce)
    }
  }

  // ---------------------------------------------------------------- blocks and logs

  resolveBlock(tag: BlockTag): Promise<bigint> {
    return this.blocks.resolveBlock(tag)
  }
  getBlockByNumber(n: bigint): Promise<Block | undefined> {
    return this.blocks.getBlockByNumber(n)
  }
  getBlockByHash(hash: Hex): Promise<Block | undefined> {
    return this.blocks.getBlockByHash(hash)
  }
  getBlockReceipts(n: bigint): Promise<StoredReceipt[]> {
    return this.blocks.getBlockReceipts(n)
  }
  getReceipt(hash: Hex): Promise<StoredReceipt | undefined> {
    return this.blocks.getReceipt(hash)
  }
  getLogs(filter: LogFilter, limit?: number): Promise<StoredLog[]> {
    return this.blocks.getLogs(filter, limit)
  }
  /** The bridge deposits block `n` credited at its start (empty when none). */
  getBlockDeposits(n: bigint): Promise<CreditedDeposit[]> {
    return this.blocks.getBlockDeposits(n)
  }

  /** The node's LevelDB as a string key-value store for side stores (the bridge's cursors). */
  keyValueStore(): ReturnType<ChainDb['keyValue']> {
    return this.db.keyValue()
  }

  // ---------------------------------------------------------------- state

  /** A fresh state manager at the state of block `tag` (callers may scribble inside a checkpoint). */
  stateAt(tag: BlockTag): Promise<{ state: MerkleStateManager; block: Block }> {
    return this.reads.stateAt(tag)
  }
  getBalance(address: Hex, tag: BlockTag): Promise<bigint> {
    return this.reads.getBalance(address, tag)
  }
  getCode(address: Hex, tag: BlockTag): Promise<Hex> {
    return this.reads.getCode(address, tag)
  }
  getStorageAt(address: Hex, slot: Hex, tag: BlockTag): Promise<Hex> {
    return this.reads.getStorageAt(address, slot, tag)
  }
  getProof(address: Hex, slots: Hex[], tag: BlockTag): Promise<AccountProof> {
    return this.reads.getProof(address, slots, tag)
  }
  getGovernedConfig(tag: BlockTag): Promise<GovernedConfig> {
    return this.reads.getGovernedConfig(tag)
  }
  getRiskParams(tag: BlockTag): Promise<RiskParamsInForce> {
    return this.reads.getRiskParams(tag)
  }
  getProposal(id: bigint, tag: BlockTag): Promise<Proposal> {
    return this.reads.getProposal(id, tag)
  }
  listProposals(tag: BlockTag): Promise<Proposal[]> {
    return this.reads.listProposals(tag)
  }

  // ---------------------------------------------------------------- calls and fees

  call(req: CallRequest, tag: BlockTag, overrides?: StateOverrides, bounds?: CallBounds): Promise<CallResult> {
    return this.calls.call(req, tag, overrides, bounds)
  }
  estimateGas(req: CallRequest, tag: BlockTag, overrides?: StateOverrides, bounds?: CallBounds): Promise<bigint> {
    return this.calls.estimateGas(req, tag, overrides, bounds)
  }
  gasPrice(): bigint {
    return this.producer.nextBaseFee() * 2n + SUGGESTED_TIP
  }
  maxPriorityFeePerGas(): bigint {
    return SUGGESTED_TIP
  }
  feeHistory(blockCount: number, newest: BlockTag, percentiles?: number[]): Promise<FeeHistory> {
    return feeHistory(this.blocks, this.opts.genesis.minBaseFeePerGas, blockCount, newest, percentiles)
  }
}
