import { createBlock } from '@ethereumjs/block'
import { MerkleStateManager } from '@ethereumjs/statemanager'
import { encodeErrorResult, encodeFunctionData, type Hex, parseAbi } from 'viem'
import { describe, expect, it } from 'vitest'
import { BlockHashes } from './blockHashes.ts'
import { call } from './call.ts'
import { createChainCommon } from './common.ts'
import * as executionErrors from './errors.ts'
import {
  AlreadyExecutedError,
  AlreadyVotedError,
  AmountTooLargeError,
  BadSignatureError,
  BatchTooLargeError,
  BorrowCapError,
  DuplicateUnderlyingError,
  EmptyBatchError,
  FeedFigureRefusedError,
  FutureTimestampError,
  InstrumentExpiredError,
  InsufficientBalanceError,
  InsufficientLiquidityError,
  InsufficientMarginError,
  InvalidChangeError,
  LengthMismatchError,
  MalformedChangeError,
  NoPricesError,
  NoQuorumError,
  NoSettlementAssetError,
  NotBorrowableError,
  NotCouncilError,
  NotFeederError,
  NotOperatorError,
  ProposalNotFoundError,
  RecipientRefusedError,
  RefusalError,
  SelfTradeError,
  SelfTransferError,
  StaleOracleError,
  StaleTimestampError,
  TimelockError,
  TooFewSignaturesError,
  TradeTooLargeError,
  UnknownAssetError,
  UnknownInstrumentError,
  UnknownUnderlyingError,
  UnregisteredProtocolError,
  VotingClosedError,
  ZeroAmountError,
  ZeroPriceError,
  ZeroSizeError,
  ZeroVolError,
} from './errors.ts'
import { ChangeRefusal } from './governance/applyChange.ts'
import type { PrecompileSpec } from './precompiles/definePrecompile.ts'
import { Refusal } from './refusal.ts'
import { encodeRevertReason, revertReason } from './revertData.ts'
import { WorkBudget } from './workBudget.ts'

const ALICE: Hex = '0x1111111111111111111111111111111111111111'
const PROTOCOL: Hex = '0x2222222222222222222222222222222222222222'

/** Every refusal of SPEC section 4: the error, its revert reason (byte for byte), its fields. */
const REFUSALS: [RefusalError, string, Record<string, unknown>][] = [
  [new InsufficientMarginError(ALICE, 5n, 7n), 'insufficient margin', { account: ALICE, equityWad: 5n, initialMarginWad: 7n }],
  [
    new InsufficientMarginError(ALICE, 5n, 7n, true),
    `insufficient margin: ${ALICE}`,
    { account: ALICE, equityWad: 5n, initialMarginWad: 7n },
  ],
  [new EmptyBatchError(), 'no trades', {}],
  [new BatchTooLargeError(1001, 1000), 'too many trades', { count: 1001, limit: 1000 }],
  [new StaleOracleError('ETH'), 'stale oracle', { underlying: 'ETH' }],
  [new NotOperatorError(ALICE, PROTOCOL), 'not operator', { account: ALICE, protocol: PROTOCOL }],
  [new UnregisteredProtocolError(PROTOCOL), 'unregistered protocol', { protocol: PROTOCOL }],
  [new UnknownAssetError(9), 'unknown asset', { assetId: 9 }],
  [new UnknownInstrumentError(77), 'unknown instrument', { instrumentId: 77 }],
  [new InstrumentExpiredError(3, 1_767_225_600), 'instrument expired', { instrumentId: 3, expiry: 1_767_225_600 }],
  [
    new InsufficientBalanceError(ALICE, 1, 10n, 11n),
    'insufficient balance',
    { account: ALICE, assetId: 1, balanceWad: 10n, amountWad: 11n },
  ],
  [new NotBorrowableError(ALICE, 2), 'not borrowable', { account: ALICE, assetId: 2 }],
  [new BorrowCapError(0, 6n, 5n), 'borrow cap', { assetId: 0, borrowedWad: 6n, capWad: 5n }],
  [new InsufficientLiquidityError(0, -1n), 'insufficient liquidity', { assetId: 0, cashWad: -1n }],
  [new NoSettlementAssetError(), 'no settlement asset (USDC) in the market', {}],
  [new ZeroAmountError(), 'zero amount', {}],
  [new ZeroSizeError(), 'zero size', {}],
  [new AmountTooLargeError(2n ** 200n), 'amount too large', { amountWad: 2n ** 200n }],
  [new TradeTooLargeError(1n, 2n ** 200n), 'size or price too large', { sizeWad: 1n, priceWad: 2n ** 200n }],
  [new SelfTransferError(ALICE), 'transfer to self', { account: ALICE }],
  [new SelfTradeError(ALICE), 'buyer is seller', { account: ALICE }],
  [
    new RecipientRefusedError('0x0000000000000000000000000000000000000000', 'zero address'),
    'transfer to the zero address',
    { to: '0x0000000000000000000000000000000000000000', recipient: 'zero address' },
  ],
  [new RecipientRefusedError(ALICE, 'insurance fund'), 'transfer to the insurance fund', { to: ALICE, recipient: 'insurance fund' }],
  [new RecipientRefusedError(ALICE, 'precompile'), 'transfer to a precompile', { to: ALICE, recipient: 'precompile' }],
  [new LengthMismatchError(2, 2, 1), 'length mismatch', { ids: 2, prices: 2, vols: 1 }],
  [new NoPricesError(), 'no prices', {}],
  [new UnknownUnderlyingError(42), 'unknown underlying', { underlyingId: 42 }],
  [new DuplicateUnderlyingError(1), 'duplicate underlying', { underlyingId: 1 }],
  [new ZeroPriceError(1), 'zero price', { underlyingId: 1 }],
  [new ZeroVolError(2), 'zero vol', { underlyingId: 2 }],
  [new FeedFigureRefusedError(1, 'price move too large: ETH'), 'price move too large: ETH', { underlyingId: 1 }],
  [new FutureTimestampError(11n, 10n), 'future timestamp', { timestamp: 11n, blockTimestamp: 10n }],
  [new BadSignatureError(2), 'bad signature', { index: 2 }],
  [new NotFeederError(ALICE), 'not a feeder', { signer: ALICE }],
  [new TooFewSignaturesError(1, 2), 'too few feeder signatures', { signers: 1, threshold: 2 }],
  [new StaleTimestampError(1, 5n, 5n), 'stale timestamp', { underlyingId: 1, timestamp: 5n, lastTimestamp: 5n }],
  [new NotCouncilError(ALICE), 'not council', { account: ALICE }],
  [new ProposalNotFoundError(7n), 'unknown proposal', { id: 7n }],
  [new AlreadyVotedError(1n, ALICE), 'already voted', { id: 1n, voter: ALICE }],
  [new VotingClosedError(1n), 'voting closed', { id: 1n }],
  [new AlreadyExecutedError(1n), 'already executed', { id: 1n }],
  [new NoQuorumError(1n), 'no quorum', { id: 1n }],
  [new TimelockError(1n, 15n), 'timelock', { id: 1n, executableAtBlock: 15n }],
  [
    new InvalidChangeError('haircut.WETH', 'must be in [0, 0.95]'),
    'haircut.WETH: must be in [0, 0.95]',
    { field: 'haircut.WETH', problem: 'must be in [0, 0.95]' },
  ],
  [new MalformedChangeError('must be a JSON object'), 'malformed change: must be a JSON object', { problem: 'must be a JSON object' }],
]

describe('refusals (execution/errors.ts)', () => {
  it.each(REFUSALS.map(([e, reason, fields]) => [e.name, e, reason, fields] as const))(
    '%s: the reason and the fields',
    (name, error, reason, fields) => {
      expect(error).toBeInstanceOf(RefusalError)
      expect(error.name).toBe(name)
      expect(error.shortMessage).toBe(reason)
      expect(error.message).toBe(reason)
      expect(error).toMatchObject(fields)
    },
  )

  it('lists every refusal class of execution/errors.ts', () => {
    const classes = Object.values(executionErrors).filter((v) => typeof v === 'function' && v.prototype instanceof RefusalError)
    expect(new Set(REFUSALS.map(([e]) => e.constructor))).toEqual(new Set(classes))
  })

  it('a Refusal value carries the reason as data and the error behind it', () => {
    const r = new Refusal(new NotCouncilError(ALICE))
    expect(r).toEqual({ ok: false, reason: 'not council' })
    expect(JSON.stringify(r)).toBe('{"ok":false,"reason":"not council"}')
    expect(r.error).toBeInstanceOf(NotCouncilError)
    expect(r.error.account).toBe(ALICE)
  })

  it("a change's refusal names the parameter when one is to blame", () => {
    const invalid = new ChangeRefusal(new InvalidChangeError('council.quorum', 'must be an integer ≥ 1'))
    expect(invalid).toEqual({ ok: false, field: 'council.quorum', reason: 'council.quorum: must be an integer ≥ 1' })
    const malformed = new ChangeRefusal(new MalformedChangeError('changes nothing'))
    expect(malformed).toEqual({ ok: false, reason: 'malformed change: changes nothing' })
    expect(malformed.error).toBeInstanceOf(MalformedChangeError)
  })
})

const common = createChainCommon(31338n)
const TOY: Hex = '0x0000000000000000000000000000000000000aff'
const toyAbi = parseAbi(['function refuse(uint256 which)', 'function refuseByValue()', 'function crash()'])
const SOLIDITY_ERROR = parseAbi(['error Error(string)'])

const toy: PrecompileSpec = {
  address: TOY,
  abi: toyAbi,
  handlers: {
    refuse([which]) {
      throw REFUSALS[Number(which)][0]
    },
    refuseByValue() {
      const r = new Refusal(new ProposalNotFoundError(3n))
      throw r.error
    },
    crash() {
      throw new RangeError('a bug, not a refusal')
    },
  },
}

async function callToy(data: Hex) {
  const state = new MerkleStateManager({ common })
  const r = await call(
    {
      common,
      state,
      block: createBlock({ header: { number: 1n, gasLimit: 30_000_000n, baseFeePerGas: 7n } }, { common }),
      blockHashes: new BlockHashes(),
      gasCap: 1_000_000n,
      blockGasLimit: 30_000_000n,
      precompiles: [toy],
      budget: new WorkBudget({ timeoutMs: 60_000 }),
    },
    { from: ALICE, to: TOY, data },
  )
  if (r.ok || !r.reverted) throw new Error(`expected a revert, got ${JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? `${v}` : v))}`)
  return r
}

describe('definePrecompile: a thrown refusal is the revert', () => {
  it.each(REFUSALS.map(([e, reason], i) => [e.name, i, reason] as const))('%s reverts with Error(reason)', async (_, i, reason) => {
    const r = await callToy(encodeFunctionData({ abi: toyAbi, functionName: 'refuse', args: [BigInt(i)] }))
    expect(r.returnData).toBe(encodeErrorResult({ abi: SOLIDITY_ERROR, errorName: 'Error', args: [reason] }))
    expect(r.returnData).toBe(encodeRevertReason(reason))
    expect(r.reason).toBe(reason)
    expect(revertReason(r.returnData)).toBe(reason)
  })

  it("a refusal returned as a value and thrown by the handler reverts with the error's reason", async () => {
    const r = await callToy(encodeFunctionData({ abi: toyAbi, functionName: 'refuseByValue' }))
    expect(r.returnData).toBe(encodeRevertReason('unknown proposal'))
  })

  it('anything else reverts with "internal error"', async () => {
    const r = await callToy(encodeFunctionData({ abi: toyAbi, functionName: 'crash' }))
    expect(r.reason).toBe('internal error')
  })
})
