/**
 * The refusals of the system precompiles (SPEC section 4), domain errors that know nothing of
 * JSON-RPC: `rpc/errors.ts` maps them to codes (a call's own errors: callErrors.ts).
 *
 * A refusal ({@link RefusalError}) ends the precompile call that met it as a revert with
 * `Error(shortMessage)` (execution/precompiles/definePrecompile.ts): the short message is the
 * revert reason, ABI data a calling contract can read, so it is part of the contract and never
 * changes. The fields say what was refused, for logs and tests; they are not in the reason.
 */
import type { Hex } from 'viem'
import { BaseError } from '../lib/errors.ts'

/** A call refused by a rule of the margin system (reverts `Error(shortMessage)`): the base of all below. */
export abstract class RefusalError extends BaseError {
  override name = 'RefusalError'
}

// --- Margin (0x…0a00): transfer, settleTrade(s), withdraw -------------------------------------

/**
 * SPEC 4's rule failed for `account` after a risk-increasing call: equity < initial margin, and
 * the call did not strictly lower maintenance margin without lowering equity − maintenance margin.
 */
export class InsufficientMarginError extends RefusalError {
  override name = 'InsufficientMarginError'
  constructor(
    readonly account: Hex,
    /** The account's equity after the call (wad, USD). */
    readonly equityWad: bigint,
    /** Its initial margin after the call (wad, USD): what equity fell short of. */
    readonly initialMarginWad: bigint,
    /** The reason names the account (`settleTrades`: which of many accounts failed). */
    named = false,
  ) {
    super(named ? `insufficient margin: ${account}` : 'insufficient margin')
  }
}

/** A risk-increasing call would rely on the price of `underlying` (a symbol), older than `maxOracleAge`. */
export class StaleOracleError extends RefusalError {
  override name = 'StaleOracleError'
  constructor(readonly underlying: string) {
    super('stale oracle')
  }
}

/** `protocol` settles a trade for `account`, which has not allowed it (`setOperator`). */
export class NotOperatorError extends RefusalError {
  override name = 'NotOperatorError'
  constructor(
    readonly account: Hex,
    readonly protocol: Hex,
  ) {
    super('not operator')
  }
}

/** `settleTrade` from a caller governance has not registered as a protocol. */
export class UnregisteredProtocolError extends RefusalError {
  override name = 'UnregisteredProtocolError'
  constructor(readonly protocol: Hex) {
    super('unregistered protocol')
  }
}

/** No collateral asset has id `assetId` in the governed market. */
export class UnknownAssetError extends RefusalError {
  override name = 'UnknownAssetError'
  constructor(readonly assetId: number) {
    super('unknown asset')
  }
}

/** No instrument has id `instrumentId` in the governed market. */
export class UnknownInstrumentError extends RefusalError {
  override name = 'UnknownInstrumentError'
  constructor(readonly instrumentId: number) {
    super('unknown instrument')
  }
}

/** A trade in an option whose `expiry` (unix seconds) is not after the block's time. */
export class InstrumentExpiredError extends RefusalError {
  override name = 'InstrumentExpiredError'
  constructor(
    readonly instrumentId: number,
    readonly expiry: number,
  ) {
    super('instrument expired')
  }
}

/**
 * A withdrawal of `amountWad` of asset `assetId` by `account`, which holds only `balanceWad`:
 * nothing is lent until lending pools exist.
 */
export class InsufficientBalanceError extends RefusalError {
  override name = 'InsufficientBalanceError'
  constructor(
    readonly account: Hex,
    readonly assetId: number,
    readonly balanceWad: bigint,
    readonly amountWad: bigint,
  ) {
    super('insufficient balance')
  }
}

/** A call would take `account`'s balance of `assetId`, which its pool does not lend, below 0 (SPEC 6.2). */
export class NotBorrowableError extends RefusalError {
  override name = 'NotBorrowableError'
  constructor(
    readonly account: Hex,
    readonly assetId: number,
  ) {
    super('not borrowable')
  }
}

/** A call would take what is borrowed from `assetId`'s pool above its governed cap (wad). */
export class BorrowCapError extends RefusalError {
  override name = 'BorrowCapError'
  constructor(
    readonly assetId: number,
    readonly borrowedWad: bigint,
    readonly capWad: bigint,
  ) {
    super('borrow cap')
  }
}

/** A call would leave `assetId`'s pool with less cash than 0: what it would pay out is lent (SPEC 6.2). */
export class InsufficientLiquidityError extends RefusalError {
  override name = 'InsufficientLiquidityError'
  constructor(
    readonly assetId: number,
    readonly cashWad: bigint,
  ) {
    super('insufficient liquidity')
  }
}

/** The governed market lists no USDC, the asset premiums and realised P&L are paid in. */
export class NoSettlementAssetError extends RefusalError {
  override name = 'NoSettlementAssetError'
  constructor() {
    super('no settlement asset (USDC) in the market')
  }
}

/** A transfer or withdrawal of 0. */
export class ZeroAmountError extends RefusalError {
  override name = 'ZeroAmountError'
  constructor() {
    super('zero amount')
  }
}

/** A trade of size 0. */
export class ZeroSizeError extends RefusalError {
  override name = 'ZeroSizeError'
  constructor() {
    super('zero size')
  }
}

/** An amount (wad) above `MAX_WAD` (lib/fixed.ts). */
export class AmountTooLargeError extends RefusalError {
  override name = 'AmountTooLargeError'
  constructor(readonly amountWad: bigint) {
    super('amount too large')
  }
}

/** A trade whose size or price (wad) is above `MAX_TRADE_WAD` (lib/fixed.ts). */
export class TradeTooLargeError extends RefusalError {
  override name = 'TradeTooLargeError'
  constructor(
    readonly sizeWad: bigint,
    readonly priceWad: bigint,
  ) {
    super('size or price too large')
  }
}

/** A transfer from `account` to itself. */
export class SelfTransferError extends RefusalError {
  override name = 'SelfTransferError'
  constructor(readonly account: Hex) {
    super('transfer to self')
  }
}

/** `settleTrades` with an empty list. */
export class EmptyBatchError extends RefusalError {
  override name = 'EmptyBatchError'
  constructor() {
    super('no trades')
  }
}

/** `settleTrades` with more trades than one call may settle. */
export class BatchTooLargeError extends RefusalError {
  override name = 'BatchTooLargeError'
  constructor(
    readonly count: number,
    readonly limit: number,
  ) {
    super('too many trades')
  }
}

/** A trade whose buyer and seller are both `account`. */
export class SelfTradeError extends RefusalError {
  override name = 'SelfTradeError'
  constructor(readonly account: Hex) {
    super('buyer is seller')
  }
}

/** Accounts no user controls, which collateral may not be transferred to. */
export type RefusedRecipient = 'zero address' | 'insurance fund' | 'precompile'

const RECIPIENT_REASONS: Record<RefusedRecipient, string> = {
  'zero address': 'transfer to the zero address',
  'insurance fund': 'transfer to the insurance fund',
  precompile: 'transfer to a precompile',
}

/**
 * A transfer to `to`, an account where collateral would be stuck or would bypass the insurance
 * fund's accounting: `"transfer to the zero address"`, `"… the insurance fund"`, `"… a precompile"`.
 */
export class RecipientRefusedError extends RefusalError {
  override name = 'RecipientRefusedError'
  constructor(
    readonly to: Hex,
    readonly recipient: RefusedRecipient,
  ) {
    super(RECIPIENT_REASONS[recipient])
  }
}

// --- Oracle (0x…0a02): submitPrices, priceOf -------------------------------------------------

/** `submitPrices` with arrays of ids, prices and vols of different lengths. */
export class LengthMismatchError extends RefusalError {
  override name = 'LengthMismatchError'
  constructor(
    readonly ids: number,
    readonly prices: number,
    readonly vols: number,
  ) {
    super('length mismatch')
  }
}

/** `submitPrices` with no prices. */
export class NoPricesError extends RefusalError {
  override name = 'NoPricesError'
  constructor() {
    super('no prices')
  }
}

/** No underlying has oracle id `underlyingId` in the governed market. */
export class UnknownUnderlyingError extends RefusalError {
  override name = 'UnknownUnderlyingError'
  constructor(readonly underlyingId: number) {
    super('unknown underlying')
  }
}

/** One update names `underlyingId` twice. */
export class DuplicateUnderlyingError extends RefusalError {
  override name = 'DuplicateUnderlyingError'
  constructor(readonly underlyingId: number) {
    super('duplicate underlying')
  }
}

/** A price of 0 for `underlyingId`. */
export class ZeroPriceError extends RefusalError {
  override name = 'ZeroPriceError'
  constructor(readonly underlyingId: number) {
    super('zero price')
  }
}

/** A vol of 0 for `underlyingId`. */
export class ZeroVolError extends RefusalError {
  override name = 'ZeroVolError'
  constructor(readonly underlyingId: number) {
    super('zero vol')
  }
}

/**
 * A figure outside the oracle's caps or moving too far from the stored one: `reason` is
 * genesis/priceBounds.ts's `feedUpdateRefusal` (`"price out of bounds: ETH"`,
 * `"vol move too large: BTC"`, …), the one wording of that rule.
 */
export class FeedFigureRefusedError extends RefusalError {
  override name = 'FeedFigureRefusedError'
  constructor(
    readonly underlyingId: number,
    readonly reason: string,
  ) {
    super(reason)
  }
}

/** An update signed for `timestamp`, after the block's `blockTimestamp` (unix seconds). */
export class FutureTimestampError extends RefusalError {
  override name = 'FutureTimestampError'
  constructor(
    readonly timestamp: bigint,
    readonly blockTimestamp: bigint,
  ) {
    super('future timestamp')
  }
}

/** Signature number `index` (0-based) of an update recovers no signer. */
export class BadSignatureError extends RefusalError {
  override name = 'BadSignatureError'
  constructor(readonly index: number) {
    super('bad signature')
  }
}

/** An update signed by `signer`, who is not in the governed feeder set. */
export class NotFeederError extends RefusalError {
  override name = 'NotFeederError'
  constructor(readonly signer: Hex) {
    super('not a feeder')
  }
}

/** An update with `signers` distinct feeder signatures, fewer than the governed `threshold`. */
export class TooFewSignaturesError extends RefusalError {
  override name = 'TooFewSignaturesError'
  constructor(
    readonly signers: number,
    readonly threshold: number,
  ) {
    super('too few feeder signatures')
  }
}

/** An update for `underlyingId` no newer than its stored `lastTimestamp` (unix seconds). */
export class StaleTimestampError extends RefusalError {
  override name = 'StaleTimestampError'
  constructor(
    readonly underlyingId: number,
    readonly timestamp: bigint,
    readonly lastTimestamp: bigint,
  ) {
    super('stale timestamp')
  }
}

// --- Governance (0x…0a03): propose, vote, execute --------------------------------------------

/** `propose` or `vote` from `account`, not a council member. */
export class NotCouncilError extends RefusalError {
  override name = 'NotCouncilError'
  constructor(readonly account: Hex) {
    super('not council')
  }
}

/** `vote` or `execute` of a proposal `id` that was never made. */
export class ProposalNotFoundError extends RefusalError {
  override name = 'ProposalNotFoundError'
  constructor(readonly id: bigint) {
    super('unknown proposal')
  }
}

/** A second vote of `voter` on proposal `id`. */
export class AlreadyVotedError extends RefusalError {
  override name = 'AlreadyVotedError'
  constructor(
    readonly id: bigint,
    readonly voter: Hex,
  ) {
    super('already voted')
  }
}

/** A vote on proposal `id` once it is queued, executed or rejected. */
export class VotingClosedError extends RefusalError {
  override name = 'VotingClosedError'
  constructor(readonly id: bigint) {
    super('voting closed')
  }
}

/** `execute` of proposal `id` a second time. */
export class AlreadyExecutedError extends RefusalError {
  override name = 'AlreadyExecutedError'
  constructor(readonly id: bigint) {
    super('already executed')
  }
}

/** `execute` of proposal `id` that never reached the quorum (voting, or rejected). */
export class NoQuorumError extends RefusalError {
  override name = 'NoQuorumError'
  constructor(readonly id: bigint) {
    super('no quorum')
  }
}

/** `execute` of proposal `id` before block `executableAtBlock`. */
export class TimelockError extends RefusalError {
  override name = 'TimelockError'
  constructor(
    readonly id: bigint,
    readonly executableAtBlock: bigint,
  ) {
    super('timelock')
  }
}

/**
 * A change document that names a parameter it may not set, or sets it out of its bounds:
 * `"<field>: <problem>"` (`"haircut.WETH: must be in [0, 0.95]"`, `"__proto__: forbidden key"`).
 */
export class InvalidChangeError extends RefusalError {
  override name = 'InvalidChangeError'
  constructor(
    /** Path of the refused parameter as a change document names it (`council.quorum`). */
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`)
  }
}

/** A change document that is not a usable JSON object: `"malformed change: <problem>"`. */
export class MalformedChangeError extends RefusalError {
  override name = 'MalformedChangeError'
  constructor(readonly problem: string) {
    super(`malformed change: ${problem}`)
  }
}
