/**
 * Plain data the chain layer hands to its readers (rpc, bridge). Hashes, addresses and byte
 * strings are 0x-hex; quantities are bigint. Blocks are @ethereumjs/block `Block` objects.
 */
import type { Block } from '@ethereumjs/block'
import type { TypedTransaction } from '@ethereumjs/tx'
import type { Hex } from 'viem'
import type { Proposal } from '../execution/governance/proposals.ts'
import type { CallRequest, CallResult, StateOverrides } from '../execution/types.ts'
import type { GovernedConfig, RiskParamsInForce } from '../state/system/types.ts'
import type { BlockTag, LogFilter, StoredLog, StoredReceipt, TxLocation } from '../state/types.ts'

/** Account state at a block (eth_getProof shape, bigint quantities). */
export interface AccountProof {
  address: Hex
  balance: bigint
  codeHash: Hex
  nonce: bigint
  storageHash: Hex
  accountProof: Hex[]
  storageProof: { key: Hex; value: bigint; proof: Hex[] }[]
}

/** eth_feeHistory result. */
export interface FeeHistory {
  oldestBlock: bigint
  baseFeePerGas: bigint[]
  gasUsedRatio: number[]
  reward?: bigint[][]
}

/** Events the chain emits after a block is durably committed. */
export interface ChainEvents {
  /** A new head, after its batch is on disk. */
  block: (block: Block, receipts: StoredReceipt[]) => void
  /** A transaction accepted into the mempool. */
  pendingTransaction: (hash: Hex) => void
}

/** What a request adds to the node's own bounds of one eth_call / eth_estimateGas. */
export interface CallBounds {
  /**
   * `performance.now()` time by which the call must end, for calls that share a budget (the
   * calls of one JSON-RPC batch); the node's own time limit applies in any case.
   */
  deadline?: number
}

/**
 * What the RPC layer reads and writes. Implemented by `chain/node.ts` (`Node`).
 * Every method that names a block throws `UnknownBlockError` for a block that does not exist.
 */
export interface ChainApi {
  readonly chainId: bigint
  /** Client version string for web3_clientVersion. */
  readonly clientVersion: string
  /** Latest block number. */
  headNumber(): bigint
  /** Resolves a tag/number/hash to a block number (throws UnknownBlockError). */
  resolveBlock(tag: BlockTag): Promise<bigint>
  getBlockByNumber(n: bigint): Promise<Block | undefined>
  getBlockByHash(hash: Hex): Promise<Block | undefined>
  /** A mined transaction, or a pending one (then blockHash etc. are absent). */
  getTransaction(hash: Hex): Promise<TxLocation | { tx: TypedTransaction; pending: true } | undefined>
  getReceipt(hash: Hex): Promise<StoredReceipt | undefined>
  /** All receipts of a block, in order. */
  getBlockReceipts(n: bigint): Promise<StoredReceipt[]>
  /** Logs matching `filter`; more than `limit` (when given) throws TooManyLogsError. */
  getLogs(filter: LogFilter, limit?: number): Promise<StoredLog[]>
  getBalance(address: Hex, block: BlockTag): Promise<bigint>
  /** For 'pending' this counts the mempool's queued nonces too. */
  getTransactionCount(address: Hex, block: BlockTag): Promise<bigint>
  getCode(address: Hex, block: BlockTag): Promise<Hex>
  getStorageAt(address: Hex, slot: Hex, block: BlockTag): Promise<Hex>
  getProof(address: Hex, slots: Hex[], block: BlockTag): Promise<AccountProof>
  /**
   * Runs a message; gas at most the RPC gas cap (50M), time at most 5 s or `bounds.deadline`
   * (a timeout is a failed result, `execution aborted (timeout = 5s)`).
   */
  call(req: CallRequest, block: BlockTag, overrides?: StateOverrides, bounds?: CallBounds): Promise<CallResult>
  /** Throws ExecutionRevertedError (with data) when the call reverts at every gas limit. */
  estimateGas(req: CallRequest, block: BlockTag, overrides?: StateOverrides, bounds?: CallBounds): Promise<bigint>
  /** Suggested legacy gas price (base fee of the next block + tip). */
  gasPrice(): bigint
  maxPriorityFeePerGas(): bigint
  feeHistory(blockCount: number, newest: BlockTag, rewardPercentiles?: number[]): Promise<FeeHistory>
  /** Validates and queues a raw signed transaction; throws a domain error when refused. */
  sendRawTransaction(raw: Uint8Array): Promise<Hex>
  on<E extends keyof ChainEvents>(event: E, fn: ChainEvents[E]): void
  off<E extends keyof ChainEvents>(event: E, fn: ChainEvents[E]): void
}

/**
 * The clock and mining controls of a developer's node (SPEC 9: `evm_mine`, `evm_increaseTime`,
 * `evm_setNextBlockTimestamp`, `anvil_mine`). Implemented by `chain/node.ts` (`Node`).
 */
export interface DevChainApi {
  /** Moves the block clock `seconds` ahead (negative: back); returns the total offset, seconds. */
  increaseTime(seconds: bigint): bigint
  /** Stamps the next produced block `timestamp` (unix seconds); throws TimestampError before the head's. */
  setNextBlockTimestamp(timestamp: bigint): void
  /** Builds, commits and announces one block from the mempool now. */
  produceBlock(): Promise<Block | undefined>
}

/** One lending pool as `margin_getLendingMarkets` shows it: amounts in whole units, rates per year, decimal strings. */
export interface LendingMarketView {
  assetId: number
  symbol: string
  borrowable: boolean
  supplied: string
  borrowed: string
  cash: string
  utilization: string
  borrowRate: string
  supplyRate: string
  borrowCap: string
  reserveFactor: string
}

/** `margin_getAccount` result (SPEC section 5); amounts are decimal strings in whole units. */
export interface MarginAccountView {
  address: Hex
  /** `interestRate` (per year, decimal) on a pooled asset's balance: its supply rate, or its borrow rate when negative. */
  balances: { assetId: number; symbol: string; amount: string; interestRate?: string }[]
  positions: {
    instrumentId: number
    name: string
    size: string
    entryPrice: string
    markPrice: string
    value: string
    /** Perps: funding accrued and not yet settled, USDC (> 0: owed by the account; SPEC 6.3). */
    fundingAccrued?: string
  }[]
  operators: Hex[]
  pendingDeposits: {
    depositId: number
    /** null for an L1 token the node maps to no asset. */
    assetId: number | null
    amount: string
    sourceChainId: number
    l1Block: number
    status: string
  }[]
}

/** `margin_getMarkets` result (SPEC section 5). */
export interface MarketsView {
  underlyings: { id: number; symbol: string; price: string; vol: string; timestamp: number }[]
  assets: { id: number; symbol: string; decimals: number; underlying: string | null; haircut: number }[]
  instruments: {
    id: number
    name: string
    type: 'perp' | 'option'
    underlying: string
    strike?: number
    expiry?: number
    kind?: 'call' | 'put'
    /** Perps (SPEC 6.3): the interval's fill VWAP, or the index when it has no fill. */
    markPrice?: string
    /** Perps: the rate of the interval that ended last (0 when it had no fill). */
    fundingRate?: string
    /** Perps: USD per unit of size paid by a long since the chain began. */
    cumulativeFunding?: string
    /** Perps: unix seconds of the next interval boundary. */
    nextFundingTime?: number
  }[]
}

/** What the `margin_` namespace reads. Implemented by `chain/marginReads.ts`. */
export interface MarginApi {
  getAccount(address: Hex, tag: BlockTag): Promise<MarginAccountView>
  /** The report of SPEC section 5 (`RiskReport` of risk/report.ts). */
  getRiskReport(address: Hex, tag: BlockTag): Promise<unknown>
  /** `margin_simulate`: the report of a hypothetical portfolio at the head's market. */
  simulate(portfolio: unknown): Promise<unknown>
  getMarkets(tag: BlockTag): Promise<MarketsView>
  /** `margin_getLendingMarkets` (SPEC 6.2). */
  getLendingMarkets(tag: BlockTag): Promise<LendingMarketView[]>
  /** `margin_getLiquidations`: the Liquidation and BadDebt events of blocks `from`..`to`, in order. */
  getLiquidations(from: BlockTag, to: BlockTag): Promise<LiquidationView[]>
  /** `margin_getInsuranceFund`: the fund's holdings at `from`, at every block that liquidated, and at `to`. */
  getInsuranceFund(from: BlockTag, to: BlockTag): Promise<InsuranceFundView>
  /** The Liquidation and BadDebt events among `logs` (of block `n`), named with that block's markets. */
  liquidationsIn(logs: StoredLog[], n: bigint): Promise<LiquidationView[]>
}

/** One `Liquidation` or `BadDebt` event as the margin namespace shows it (amounts as decimal strings). */
export type LiquidationView =
  | ({
      type: 'liquidation'
      blockNumber: number
      transactionHash: Hex
      logIndex: number
      account: Hex
      name: string
      /** Signed size removed from the account (collateral: amount sold). */
      sizeClosed: string
      price: string
      penalty: string
    } & ({ kind: 'position'; instrumentId: number } | { kind: 'collateral'; assetId: number }))
  | { type: 'badDebt'; blockNumber: number; transactionHash: Hex; logIndex: number; account: Hex; amount: string }

/** The insurance fund's margin account through time. */
export interface InsuranceFundView {
  address: Hex
  history: {
    blockNumber: number
    balances: MarginAccountView['balances']
    positions: { instrumentId: number; name: string; size: string; entryPrice: string }[]
    equity: string
    maintenanceMargin: string
    /** Liquidation and BadDebt events in this block. */
    liquidations: number
  }[]
}

/**
 * Governance reads at a block (SPEC sections 5–7): the governed config and the proposals, as
 * the state of block `tag` holds them. Implemented by `chain/node.ts` (`Node`). Every method
 * throws `UnknownBlockError` for a block that does not exist and `NoMarginConfigError` on a
 * chain without a margin genesis.
 */
export interface GovernanceApi {
  /** SPEC section 6's parameters in force at `tag`, with the `listing` schedule. */
  getRiskParams(tag: BlockTag): Promise<RiskParamsInForce>
  /** Everything governance controls (markets, risk params, protocols, oracle, council) at `tag`. */
  getGovernedConfig(tag: BlockTag): Promise<GovernedConfig>
  /** One proposal; throws `UnknownProposalError` when `id` names none. */
  getProposal(id: bigint, tag: BlockTag): Promise<Proposal>
  /** Every proposal, by id. */
  listProposals(tag: BlockTag): Promise<Proposal[]>
}
