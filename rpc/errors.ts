/**
 * JSON-RPC errors, and the one place where domain errors become JSON-RPC codes. Domain errors
 * (chain/errors.ts, execution/errors.ts, risk/errors.ts, genesis/errors.ts, bridge/errors.ts) know nothing of
 * JSON-RPC; `toRpcError` maps them, and the compiler checks that every exported domain error
 * class of those modules has an entry.
 */
import * as bridgeErrors from '../bridge/errors.ts'
import * as chainErrors from '../chain/errors.ts'
import * as callErrors from '../execution/callErrors.ts'
import type { RefusalError } from '../execution/errors.ts'
import * as executionErrors from '../execution/errors.ts'
import { encodeRevertReason } from '../execution/revertData.ts'
import * as genesisErrors from '../genesis/errors.ts'
import { BaseError } from '../lib/errors.ts'
import { riskErrors } from '../risk/index.ts'

/** Anything that can travel in a JSON-RPC `error` member. */
export interface RpcErrorObject {
  code: number
  message: string
  data?: unknown
}

/** Base of the JSON-RPC errors: carries its code and optional `data`. */
export class RpcError extends BaseError {
  override name = 'RpcError'
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message)
  }

  /** The `error` member of a JSON-RPC response. */
  toJSON(): RpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.shortMessage }
      : { code: this.code, message: this.shortMessage, data: this.data }
  }
}

/** -32700: the body is not JSON. */
export class ParseError extends RpcError {
  static readonly code = -32700
  override name = 'ParseError'
  constructor(detail?: string) {
    super(ParseError.code, detail ? `parse error: ${detail}` : 'parse error')
  }
}

/** -32600: JSON, but not a JSON-RPC request (not an object, no method, jsonrpc != "2.0", …). */
export class InvalidRequestError extends RpcError {
  static readonly code = -32600
  override name = 'InvalidRequestError'
  constructor(message = 'invalid request') {
    super(InvalidRequestError.code, message)
  }
}

/** -32601: no such method (geth's wording). */
export class MethodNotFoundError extends RpcError {
  static readonly code = -32601
  override name = 'MethodNotFoundError'
  constructor(method: string, message?: string) {
    super(MethodNotFoundError.code, message ?? `the method ${method} does not exist/is not available`)
  }
}

/**
 * -32602: a parameter is wrong. `index` names it the way geth does (`invalid argument 0: …`);
 * pass a field path as `field` for nested members (`invalid argument 0: from: …`).
 *
 * @example
 * throw new InvalidParamsError('hex string has odd length', 0)
 */
export class InvalidParamsError extends RpcError {
  static readonly code = -32602
  override name = 'InvalidParamsError'
  constructor(reason: string, index?: number, field?: string) {
    const where = field ? `${field}: ` : ''
    super(InvalidParamsError.code, index === undefined ? `${where}${reason}` : `invalid argument ${index}: ${where}${reason}`)
  }
}

/** -32603: a bug or an I/O failure inside the node; details go to the log, not to the caller. */
export class InternalError extends RpcError {
  static readonly code = -32603
  override name = 'InternalError'
  constructor(message = 'internal error') {
    super(InternalError.code, message)
  }
}

/** -32000: the generic server error geth uses for execution and mempool refusals. */
export class ServerError extends RpcError {
  static readonly code = -32000
  override name = 'ServerError'
  constructor(message: string, data?: unknown) {
    super(ServerError.code, message, data)
  }
}

/** 3: a reverted eth_call / eth_estimateGas, with the revert data in `data` (as geth). */
export class ExecutionRevertedRpcError extends RpcError {
  static readonly code = 3
  override name = 'ExecutionRevertedRpcError'
  constructor(data: string, reason?: string) {
    super(ExecutionRevertedRpcError.code, reason ? `execution reverted: ${reason}` : 'execution reverted', data)
  }
}

/** -32005: too many results or too wide a range (the code geth-compatible providers use). */
export class LimitExceededError extends RpcError {
  static readonly code = -32005
  override name = 'LimitExceededError'
  constructor(message: string) {
    super(LimitExceededError.code, message)
  }
}

/** -32002: a batch that ran out of its time budget: the calls it did not reach (geth's code and words). */
export class RequestTimeoutError extends RpcError {
  static readonly code = -32002
  override name = 'RequestTimeoutError'
  constructor(message = 'request timed out') {
    super(RequestTimeoutError.code, message)
  }
}

/** -32003: an answer over the response size limit (geth's code and words for a batch's). */
export class ResponseTooLargeError extends RpcError {
  static readonly code = -32003
  override name = 'ResponseTooLargeError'
  constructor(message = 'response too large') {
    super(ResponseTooLargeError.code, message)
  }
}

/** -32006: a WebSocket connection at its subscription limit (reth's code and words, via jsonrpsee). */
export class TooManySubscriptionsError extends RpcError {
  static readonly code = -32006
  override name = 'TooManySubscriptionsError'
  constructor(limit: number) {
    super(TooManySubscriptionsError.code, `too many subscriptions on the connection: the limit is ${limit}`)
  }
}

/** The names of the error classes a module exports. */
type ErrorClassNames<M> = {
  [K in keyof M]: M[K] extends abstract new (...args: never[]) => Error ? K : never
}[keyof M]

/** One mapping per exported error class of module M: the compiler checks the key set. */
type ErrorMap<M> = {
  [K in ErrorClassNames<M>]: (err: M[K] extends abstract new (...args: never[]) => infer E ? E : never) => RpcError
}

type Entry = readonly [abstract new (...args: never[]) => Error, (err: never) => RpcError]

/** Pairs each class of `mod` with its mapping. */
function entries<M>(mod: M, map: ErrorMap<M>): Entry[] {
  return (Object.keys(map) as (keyof M)[]).map((name) => [mod[name], map[name as ErrorClassNames<M>]] as unknown as Entry)
}

/**
 * A precompile's refusal as eth_call shows a revert: code 3 with `Error(reason)` as data. Refusals
 * reach JSON-RPC as the revert data of an `ExecutionRevertedError` (the precompile boundary
 * encodes them); should one be thrown to a handler, it reads the same.
 */
const reverted = (e: RefusalError) => new ExecutionRevertedRpcError(encodeRevertReason(e.shortMessage), e.shortMessage)

/**
 * Every domain error class → how it travels, module by module. A new class exported by one of
 * these modules without an entry here fails `tsc`; a new module of domain errors gets its own
 * `entries(…)` line.
 */
const DOMAIN_ERRORS: Entry[] = [
  ...entries(chainErrors, {
    InvalidTransactionError: (e) => new ServerError(e.shortMessage),
    WrongChainIdError: (e) => new ServerError(e.shortMessage),
    NonceTooLowError: (e) => new ServerError(e.shortMessage),
    InsufficientFundsError: (e) => new ServerError(e.shortMessage),
    IntrinsicGasTooLowError: (e) => new ServerError(e.shortMessage),
    FloorDataGasError: (e) => new ServerError(e.shortMessage),
    GasLimitExceededError: (e) => new ServerError(e.shortMessage),
    FeeTooLowError: (e) => new ServerError(e.shortMessage),
    ReplacementUnderpricedError: (e) => new ServerError(e.shortMessage),
    AlreadyKnownError: (e) => new ServerError(e.shortMessage),
    TxPoolFullError: (e) => new ServerError(e.shortMessage),
    TxUnderpricedError: (e) => new ServerError(e.shortMessage),
    AccountLimitExceededError: (e) => new ServerError(e.shortMessage),
    // geth answers state queries at a block it does not have with "header not found".
    UnknownBlockError: (e) => new ServerError(/^0x[0-9a-fA-F]{64}$/.test(e.block) ? 'header for hash not found' : 'header not found'),
    ShuttingDownError: (e) => new ServerError(e.shortMessage),
    // A start-up error; it never comes out of a running node, but if it did it is the server's.
    GenesisMismatchError: (e) => new ServerError(e.shortMessage),
    UnknownProposalError: (e) => new ServerError(e.shortMessage),
    NoMarginConfigError: (e) => new ServerError(e.shortMessage),
    BlockImportError: (e) => new ServerError(e.shortMessage),
    InvalidRangeError: (e) => new InvalidParamsError(e.shortMessage),
    TimestampError: (e) => new InvalidParamsError(e.shortMessage),
    // Infura's words, which log-paging clients read the retry range from.
    TooManyLogsError: (e) => new LimitExceededError(e.shortMessage),
  }),
  ...entries(callErrors, {
    ExecutionRevertedError: (e) => new ExecutionRevertedRpcError(e.data, e.reason),
    ExecutionFailedError: (e) => new ServerError(e.shortMessage),
  }),
  ...entries(executionErrors, {
    // The refusals of the system precompiles (SPEC section 4), each a revert with its reason.
    InsufficientMarginError: reverted,
    EmptyBatchError: reverted,
    BatchTooLargeError: reverted,
    StaleOracleError: reverted,
    NotOperatorError: reverted,
    UnregisteredProtocolError: reverted,
    UnknownAssetError: reverted,
    UnknownInstrumentError: reverted,
    InstrumentExpiredError: reverted,
    InsufficientBalanceError: reverted,
    NotBorrowableError: reverted,
    BorrowCapError: reverted,
    InsufficientLiquidityError: reverted,
    NoSettlementAssetError: reverted,
    ZeroAmountError: reverted,
    ZeroSizeError: reverted,
    AmountTooLargeError: reverted,
    TradeTooLargeError: reverted,
    SelfTransferError: reverted,
    SelfTradeError: reverted,
    RecipientRefusedError: reverted,
    LengthMismatchError: reverted,
    NoPricesError: reverted,
    UnknownUnderlyingError: reverted,
    DuplicateUnderlyingError: reverted,
    ZeroPriceError: reverted,
    ZeroVolError: reverted,
    FeedFigureRefusedError: reverted,
    FutureTimestampError: reverted,
    BadSignatureError: reverted,
    NotFeederError: reverted,
    TooFewSignaturesError: reverted,
    StaleTimestampError: reverted,
    NotCouncilError: reverted,
    ProposalNotFoundError: reverted,
    AlreadyVotedError: reverted,
    VotingClosedError: reverted,
    AlreadyExecutedError: reverted,
    NoQuorumError: reverted,
    TimelockError: reverted,
    InvalidChangeError: reverted,
    MalformedChangeError: reverted,
    // Their abstract base: listed because tsc asks for every exported class.
    RefusalError: reverted,
  }),
  // margin_simulate and friends: the message names the field (`positions[2].instrument: …`).
  ...entries(riskErrors, {
    InvalidMarketError: (e) => new InvalidParamsError(e.shortMessage),
    InvalidPortfolioError: (e) => new InvalidParamsError(e.shortMessage),
  }),
  ...entries(genesisErrors, {
    GenesisError: (e) => new ServerError(e.shortMessage),
  }),
  // bridge_*: an unreachable L1 or a missing record is the server's answer, not the caller's fault.
  ...entries(bridgeErrors, {
    L1UnavailableError: (e) => new ServerError(e.shortMessage),
    WrongL1ChainError: (e) => new ServerError(e.shortMessage),
    UnknownTokenError: (e) => new ServerError(e.shortMessage),
    UnknownWithdrawalError: (e) => new ServerError(e.shortMessage),
    NoCommitmentPosterError: (e) => new ServerError(e.shortMessage),
  }),
]

/**
 * Maps anything thrown by a handler to the JSON-RPC error the caller sees. RpcErrors pass
 * through; domain errors map by class; anything else is a bug: -32603, and `isBug` is true so the
 * server logs it.
 *
 * @example
 * toRpcError(new NonceTooLowError(addr, 3n, 1n)).error.toJSON()
 * // { code: -32000, message: 'nonce too low: …' }
 */
export function toRpcError(err: unknown): { error: RpcError; isBug: boolean } {
  if (err instanceof RpcError) return { error: err, isBug: false }
  for (const [cls, map] of DOMAIN_ERRORS) {
    if (err instanceof cls) return { error: (map as (e: Error) => RpcError)(err), isBug: false }
  }
  return { error: new InternalError(), isBug: true }
}
