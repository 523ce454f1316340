/**
 * Plain data of the bridge: source chains and their finality rules, deposits seen on an L1,
 * withdrawals and commitments. Amounts named `…L1` are in the L1 token's own base units (wei for
 * ETH, 10^-6 for USDC); amounts named `…Wad` are 18-decimal L2 amounts (SPEC section 3).
 */
import type { Address, Hex } from 'viem'

/**
 * When a source's L1 block counts as final: the L1's `finalized` or `safe` head has reached it,
 * or `confirmations` blocks hold it (the block itself is the first: a deposit in block `b` has
 * `latest - b + 1` confirmations).
 */
export type Finality = 'finalized' | 'safe' | { confirmations: number }

/** One source chain of deposits, as genesis `bridge.sources` lists it. */
export interface SourceConfig {
  /** The L1's chain id. */
  chainId: number
  /** The portal contract on that L1. */
  portal: Address
  finality: Finality
  /** First L1 block to scan (the portal's deployment block); 0 when absent. */
  startBlock?: bigint
}

/** An L1 block as the watcher remembers it. */
export interface L1BlockRef {
  number: bigint
  hash: Hex
  parentHash: Hex
  /** Unix seconds. */
  timestamp: bigint
}

/** One `DepositInitiated` log as the L1 returned it. */
export interface DepositLog {
  depositId: bigint
  from: Address
  l2Recipient: Address
  /** The L1 token; the zero address for ETH (credited as WETH on L2). */
  token: Address
  /** In the L1 token's base units. */
  amountL1: bigint
  l1Block: bigint
  l1BlockHash: Hex
  l1TxHash: Hex
  logIndex: number
}

/** A deposit that met its source's finality rule, handed to the sink exactly once. */
export interface FinalDeposit extends DepositLog {
  sourceChainId: number
  portal: Address
}

/** Where a deposit stands; `credited` and `dropped` are final. */
export type DepositStatus = 'pending' | 'credited' | 'dropped'

/** A deposit with its status, as `bridge_getDeposits` lists it (before unit formatting). */
export interface DepositRecord extends FinalDeposit {
  status: DepositStatus
  /** The L2 block that credited it, when the sink told. */
  l2Block?: bigint
}

/** A withdrawal as the L2 recorded it (`IMargin.withdraw`), burned at once on L2. */
export interface Withdrawal {
  /** Withdrawal id, unique and increasing on L2. */
  id: bigint
  account: Address
  assetId: number
  /** The L1 token it is paid in; the zero address for ETH (WETH on L2). */
  token: Address
  /** 18-decimal L2 amount burned. */
  amountWad: bigint
  l1Recipient: Address
  /** The L2 block of the `withdraw` call. */
  l2Block: bigint
}

/** The leaf fields of a withdrawal: exactly the first arguments of `finalizeWithdrawal`. */
export interface WithdrawalLeaf {
  id: bigint
  account: Address
  token: Address
  /** In the L1 token's base units. */
  amountL1: bigint
  l1Recipient: Address
}

/** A commitment the portal holds, with where the L1 put it. */
export interface CommitmentRecord {
  index: number
  l2Block: bigint
  stateRoot: Hex
  withdrawalRoot: Hex
  /** Number of withdrawals (the first ones by id) in its tree. */
  withdrawalCount: number
  l1Block: bigint
  l1BlockHash: Hex
  l1TxHash: Hex
  /** L1 timestamp of the commit, unix seconds; the challenge period runs from it. */
  l1Timestamp: bigint
}

/** The part of a pino logger the bridge writes to. */
export interface BridgeLogger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  debug(obj: object, msg?: string): void
}

/** A logger that writes nothing. */
export const silentLogger: BridgeLogger = { info() {}, warn() {}, debug() {} }
