/**
 * Domain errors of the chain layer. Messages follow geth's wording, which wallets and
 * libraries (viem, ethers) pattern-match on. `rpc/errors.ts` maps them to JSON-RPC codes.
 */
import { BaseError } from '../lib/errors.ts'
import type { Hex } from '../state/types.ts'

/** A raw transaction that does not decode, or is signed wrongly. */
export class InvalidTransactionError extends BaseError {
  override name = 'InvalidTransactionError'
  constructor(reason: string, opts: { cause?: unknown } = {}) {
    super(`invalid transaction: ${reason}`, opts)
  }
}

export class WrongChainIdError extends BaseError {
  override name = 'WrongChainIdError'
  constructor(
    readonly expected: bigint,
    readonly got: bigint,
  ) {
    super(`invalid chain id: have ${got}, want ${expected}`)
  }
}

export class NonceTooLowError extends BaseError {
  override name = 'NonceTooLowError'
  constructor(
    readonly sender: Hex,
    readonly expected: bigint,
    readonly got: bigint,
  ) {
    super(`nonce too low: address ${sender}, tx: ${got} state: ${expected}`)
  }
}

export class InsufficientFundsError extends BaseError {
  override name = 'InsufficientFundsError'
  constructor(
    readonly sender: Hex,
    readonly balance: bigint,
    readonly cost: bigint,
  ) {
    super(`insufficient funds for gas * price + value: address ${sender} have ${balance} want ${cost}`)
  }
}

export class IntrinsicGasTooLowError extends BaseError {
  override name = 'IntrinsicGasTooLowError'
  constructor(
    readonly have: bigint,
    readonly want: bigint,
  ) {
    super(`intrinsic gas too low: have ${have}, want ${want}`)
  }
}

/** EIP-7623: the gas limit is below the calldata floor (geth's ErrFloorDataGas). */
export class FloorDataGasError extends BaseError {
  override name = 'FloorDataGasError'
  constructor(
    readonly have: bigint,
    readonly want: bigint,
  ) {
    super(`insufficient gas for floor data gas cost: gas ${have}, minimum needed ${want}`)
  }
}

export class GasLimitExceededError extends BaseError {
  override name = 'GasLimitExceededError'
  constructor(
    readonly have: bigint,
    readonly limit: bigint,
  ) {
    super(`exceeds block gas limit: have ${have}, limit ${limit}`)
  }
}

/** maxFeePerGas below the next block's base fee. */
export class FeeTooLowError extends BaseError {
  override name = 'FeeTooLowError'
  constructor(
    readonly maxFee: bigint,
    readonly baseFee: bigint,
  ) {
    super(`max fee per gas less than block base fee: maxFeePerGas: ${maxFee}, baseFee: ${baseFee}`)
  }
}

/** Same sender and nonce as a queued transaction, without a high enough fee bump. */
export class ReplacementUnderpricedError extends BaseError {
  override name = 'ReplacementUnderpricedError'
  constructor() {
    super('replacement transaction underpriced')
  }
}

export class AlreadyKnownError extends BaseError {
  override name = 'AlreadyKnownError'
  constructor(readonly hash: Hex) {
    super('already known')
  }
}

/** The pool has no room for this transaction and none it holds may make way for it. */
export class TxPoolFullError extends BaseError {
  override name = 'TxPoolFullError'
  constructor(what: string) {
    super(`txpool is full: ${what}`)
  }
}

/**
 * The pool is full and this transaction pays no more than the cheapest one that could make way
 * for it (geth's ErrUnderpriced; the wording wallets match on, the figures in `details`).
 */
export class TxUnderpricedError extends BaseError {
  override name = 'TxUnderpricedError'
  constructor(details: string) {
    super('transaction underpriced', { details })
  }
}

/**
 * The sender already has as many transactions queued behind a nonce gap as the pool keeps for
 * one account (geth's ErrAccountLimitExceeded wording, with what to do about it).
 */
export class AccountLimitExceededError extends BaseError {
  override name = 'AccountLimitExceededError'
  constructor(
    readonly sender: Hex,
    readonly limit: number,
    readonly nextNonce: bigint,
  ) {
    super(
      `account limit exceeded: address ${sender} already has ${limit} transactions queued behind a nonce gap; send nonce ${nextNonce} first`,
    )
  }
}

/** A block number, hash or tag that names no block of this chain. */
export class UnknownBlockError extends BaseError {
  override name = 'UnknownBlockError'
  constructor(readonly block: string) {
    super(`unknown block ${block}`)
  }
}

/** The node is shutting down and takes no new transactions. */
export class ShuttingDownError extends BaseError {
  override name = 'ShuttingDownError'
  constructor() {
    super('node is shutting down')
  }
}

/** The datadir holds a chain started from another genesis. */
export class GenesisMismatchError extends BaseError {
  override name = 'GenesisMismatchError'
  constructor(
    readonly datadir: string,
    readonly stored: Hex,
    readonly given: Hex,
  ) {
    super(`datadir ${datadir} holds a chain with genesis ${stored}, but the genesis given hashes to ${given}`, {
      details: 'use the genesis file the datadir was created with, or another --datadir',
    })
  }
}

/** gov_getProposal of an id no proposal has. */
export class UnknownProposalError extends BaseError {
  override name = 'UnknownProposalError'
  constructor(readonly id: bigint) {
    super(`unknown proposal ${id}`)
  }
}

/** A margin or governance read on a chain whose genesis has no margin section. */
export class NoMarginConfigError extends BaseError {
  override name = 'NoMarginConfigError'
  constructor() {
    super('this chain has no margin configuration (its genesis has no margin section)')
  }
}

/** A block from elsewhere that this node cannot take: it does not extend the head or does not reproduce. */
export class BlockImportError extends BaseError {
  override name = 'BlockImportError'
  constructor(
    readonly number: bigint,
    readonly reason: string,
  ) {
    super(`cannot import block ${number}: ${reason}`)
  }
}

/**
 * A log query matching more logs than one answer may carry. `retryTo`, when the query got past
 * its first block, is the last block of a range from `fromBlock` that stays under the limit.
 */
export class TooManyLogsError extends BaseError {
  override name = 'TooManyLogsError'
  constructor(
    readonly limit: number,
    readonly fromBlock: bigint,
    readonly retryTo?: bigint,
  ) {
    super(
      `query returned more than ${limit} results` +
        (retryTo === undefined ? '' : `. Try with this block range [0x${fromBlock.toString(16)}, 0x${retryTo.toString(16)}].`),
    )
  }
}

/** A block range a read refuses: reversed, or wider than the read allows. */
export class InvalidRangeError extends BaseError {
  override name = 'InvalidRangeError'
  constructor(reason: string) {
    super(reason)
  }
}

/** `evm_setNextBlockTimestamp` (or `evm_mine` with a timestamp) before the head's timestamp; Anvil's words. */
export class TimestampError extends BaseError {
  override name = 'TimestampError'
  constructor(
    readonly timestamp: bigint,
    readonly headTimestamp: bigint,
  ) {
    super(`Timestamp error: ${timestamp} is lower than previous block's timestamp`)
  }
}
