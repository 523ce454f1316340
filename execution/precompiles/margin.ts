/**
 * The Margin precompile at `0x…0a00` (SPEC section 4): collateral transfers, operator consent,
 * inter-protocol trade settlement, withdrawals, and reads of balances and positions. Every
 * risk-increasing call is margin-checked on the whole account (state/umaStore.ts holds the data,
 * execution/margin the rule). A refusal is thrown as one of execution/errors.ts's classes
 * (`InsufficientMarginError`, `StaleOracleError`, …), which definePrecompile turns into a revert
 * with its reason.
 */
import { type Hex, parseAbi } from 'viem'
import { lendingParamsOf } from '../../genesis/lendingParams.ts'
import { MAX_TRADE_WAD, MAX_WAD, numberToWad } from '../../lib/fixed.ts'
import { INSURANCE_FUND_ADDRESS, MARGIN_ADDRESS, SYSTEM_ACCOUNTS } from '../../state/system/addresses.ts'
import { borrowedOf, cashOf, type Pool } from '../../state/system/lendingPools.ts'
import type { GovernedConfig } from '../../state/system/types.ts'
import { type Holdings, UmaStore } from '../../state/system/umaStore.ts'
import {
  AmountTooLargeError,
  BatchTooLargeError,
  BorrowCapError,
  EmptyBatchError,
  InstrumentExpiredError,
  InsufficientBalanceError,
  InsufficientLiquidityError,
  InsufficientMarginError,
  NoSettlementAssetError,
  NotBorrowableError,
  NotOperatorError,
  RecipientRefusedError,
  SelfTradeError,
  SelfTransferError,
  StaleOracleError,
  TradeTooLargeError,
  UnknownAssetError,
  UnknownInstrumentError,
  UnregisteredProtocolError,
  ZeroAmountError,
  ZeroSizeError,
} from '../errors.ts'
import { type FiguresBefore, figuresBeforeOfHoldings, marginRuleRefusal, underlyingsOf } from '../margin/accountMargin.ts'
import { type FundingPayment, readFundingIndexes } from '../margin/funding.ts'
import { lendingMarkets } from '../margin/interest.ts'
import { marketAt, type PricedMarket } from '../margin/marketAt.ts'
import { settleFill, settlementAssetOf } from '../margin/settleFill.ts'
import type { MarginEnv } from '../margin/types.ts'
import type { PrecompileCall, PrecompileSpec } from './definePrecompile.ts'

export const MARGIN_ABI = parseAbi([
  'function transfer(address to, uint32 assetId, uint256 amount)',
  'function setOperator(address protocol, bool allowed)',
  'function settleTrade(address buyer, address seller, uint32 instrumentId, uint256 size, uint256 price)',
  'struct Trade { address buyer; address seller; uint32 instrumentId; uint256 size; uint256 price; }',
  'function settleTrades(Trade[] trades)',
  'function withdraw(uint32 assetId, uint256 amount, address l1Recipient) returns (uint256 id)',
  'function balanceOf(address account, uint32 assetId) view returns (int256)',
  'function positionOf(address account, uint32 instrumentId) view returns (int256 size, int256 entryPrice)',
  'function lendingMarket(uint32 assetId) view returns (uint256 supplied, uint256 borrowed, uint256 borrowRatePerYear, uint256 supplyRatePerYear)',
  'event Transfer(address indexed from, address indexed to, uint32 assetId, uint256 amount)',
  'event Trade(address indexed buyer, address indexed seller, uint32 indexed instrumentId, uint256 size, uint256 price, address protocol)',
  'event Deposit(uint256 indexed depositId, address indexed account, uint32 assetId, uint256 amount, uint64 sourceChainId)',
  'event Withdrawal(uint256 indexed id, address indexed account, uint32 assetId, uint256 amount, address l1Recipient)',
  'event Liquidation(address indexed account, uint32 indexed instrumentId, int256 sizeClosed, uint256 price, uint256 penalty)',
  'event BadDebt(address indexed account, uint256 amount)',
  'event FundingPaid(address indexed account, uint32 indexed instrumentId, int256 amount)',
])

export interface MarginPrecompileDeps {
  env: MarginEnv
  /** Called with every account a call changed (the margin mirror re-reads them). */
  touched?: (account: Hex) => void
}

/**
 * The settlement asset: premiums and realised P&L are paid in it.
 *
 * @throws NoSettlementAssetError when the market lists no USDC.
 */
export function settlementAssetId(config: GovernedConfig): number {
  const usdc = settlementAssetOf(config)
  if (!usdc) throw new NoSettlementAssetError()
  return usdc.id
}

const lower = (a: unknown) => (a as string).toLowerCase() as Hex

const ZERO_ADDRESS: Hex = '0x0000000000000000000000000000000000000000'

/**
 * Collateral may go only to an account a user controls: never to the zero address, a precompile
 * (the standard ones at 0x01–0xff and ours, SPEC 4) or the insurance fund, where it would be
 * stuck or would bypass the fund's own accounting (it is paid by liquidations only).
 */
function refuseTransferTo(to: Hex): void {
  if (to === ZERO_ADDRESS) throw new RecipientRefusedError(to, 'zero address')
  if (to === INSURANCE_FUND_ADDRESS) throw new RecipientRefusedError(to, 'insurance fund')
  if (BigInt(to) <= 0xffn || SYSTEM_ACCOUNTS.includes(to)) throw new RecipientRefusedError(to, 'precompile')
}

/**
 * Runs `mutate` under the margin rule for `accounts`: each must pass SPEC 4's rule afterwards
 * (its figures after the call against its figures before it), and none may rely on a stale
 * price. The figures are the kernel's figures-only entry on the block's cached market: E, IM,
 * MM, no Greeks. `named`: the refusal names the failing account (`settleTrades`, SPEC 4).
 */
async function underMarginRule(
  call: PrecompileCall,
  env: MarginEnv,
  accounts: Hex[],
  mutate: (store: UmaStore, config: GovernedConfig, priced: PricedMarket) => Promise<void>,
  named = false,
): Promise<void> {
  const store = new UmaStore(call.state, call.gas)
  const config = await env.config(call.state)
  const prices = await env.prices(
    call.state,
    config.market.underlyings.map((u) => u.id),
  )
  const priced = marketAt(config, prices, call.block.timestamp, await readFundingIndexes(store, config))
  const before = new Map<Hex, FiguresBefore>()
  const heldBefore = new Map<Hex, Holdings>()
  for (const a of accounts) {
    const h = await store.holdings(a)
    heldBefore.set(a, h)
    before.set(a, figuresBeforeOfHoldings(h, priced.state, priced.funding))
  }
  const pools = await poolsOf(store, config)
  await mutate(store, config, priced)
  const after = new Map<Hex, Holdings>()
  for (const a of accounts) {
    const holdings = await store.holdings(a)
    after.set(a, holdings)
    for (const symbol of underlyingsOf(holdings, priced.state)) {
      if (priced.stale.has(symbol)) throw new StaleOracleError(symbol)
    }
    const refused = marginRuleRefusal(before.get(a)!, holdings, priced.state, priced.funding)
    if (refused) throw new InsufficientMarginError(a, refused.equity, refused.initialMargin, named)
  }
  // The pools' rules after the margin rule: a call no account could carry is refused for that.
  for (const a of accounts) refuseNewDebt(a, heldBefore.get(a)!, after.get(a)!, config)
  await underLendingRules(store, config, pools)
}

/** Every pool of the market's assets, before a call (asset id → pool). */
async function poolsOf(store: UmaStore, config: GovernedConfig): Promise<Map<number, Pool>> {
  const out = new Map<number, Pool>()
  for (const a of config.market.assets) {
    const p = await store.pool(a.id)
    if (p !== undefined) out.set(a.id, { ...p })
  }
  return out
}

/**
 * SPEC 6.2 after a call: no pool's borrowing rises above its cap, and no pool's cash falls
 * below 0 (an L1 withdrawal of supplied funds that are lent out).
 */
async function underLendingRules(store: UmaStore, config: GovernedConfig, before: Map<number, Pool>): Promise<void> {
  for (const asset of config.market.assets) {
    const was = before.get(asset.id)
    const now = await store.pool(asset.id)
    if (was === undefined || now === undefined) continue
    const borrowed = borrowedOf(now)
    const cap = numberToWad(lendingParamsOf(config.lending, asset.symbol).borrowCap)
    if (borrowed > cap && borrowed > borrowedOf(was)) throw new BorrowCapError(asset.id, borrowed, cap)
    const cash = cashOf(now)
    if (cash < 0n && cash < cashOf(was)) throw new InsufficientLiquidityError(asset.id, cash)
  }
}

/** A balance of an asset its pool does not lend may not go (further) below 0 (SPEC 6.2). */
function refuseNewDebt(account: Hex, before: Holdings, after: Holdings, config: GovernedConfig): void {
  for (const b of after.balances) {
    if (b.amount >= 0n) continue
    const symbol = config.market.assets.find((a) => a.id === b.assetId)?.symbol
    if (symbol === undefined || lendingParamsOf(config.lending, symbol).borrowable) continue
    const was = before.balances.find((x) => x.assetId === b.assetId)?.amount ?? 0n
    if (b.amount < was) throw new NotBorrowableError(account, b.assetId)
  }
}

/** The most fills one `settleTrades` call settles (its work is bounded by gas too). */
export const MAX_BATCH_TRADES = 1_000

/**
 * Gas of one margin evaluation of one account in `settleTrades` (before and after): the kernel's
 * figures-only pass and its expected shortfall, priced like the storage reads it replaces.
 */
export const GAS_MARGIN_CHECK = 2_500n

/** One fill, decoded and checked on its own terms. */
interface CheckedTrade {
  buyer: Hex
  seller: Hex
  instrumentId: number
  size: bigint
  price: bigint
}

function checkedTrade(t: Record<string, unknown>): CheckedTrade {
  const trade = {
    buyer: lower(t.buyer),
    seller: lower(t.seller),
    instrumentId: Number(t.instrumentId),
    size: t.size as bigint,
    price: t.price as bigint,
  }
  if (trade.size === 0n) throw new ZeroSizeError()
  if (trade.buyer === trade.seller) throw new SelfTradeError(trade.buyer)
  if (trade.size > MAX_TRADE_WAD || trade.price > MAX_TRADE_WAD) throw new TradeTooLargeError(trade.size, trade.price)
  return trade
}

/**
 * Books one fill for the calling protocol: both accounts must have made it their operator
 * (`consenting` remembers who has, within one call), the instrument must be listed, unexpired
 * and priced. Returns the funding settled into USDC before the positions moved.
 */
async function settleOne(
  store: UmaStore,
  config: GovernedConfig,
  priced: PricedMarket,
  call: PrecompileCall,
  trade: CheckedTrade,
  consenting: Set<Hex>,
): Promise<FundingPayment[]> {
  const protocol = call.caller
  // Buyer first, the seller read only if the buyer consents (as `a || b` would).
  for (const account of [trade.buyer, trade.seller]) {
    if (consenting.has(account)) continue
    if (!(await store.isOperator(account, protocol))) throw new NotOperatorError(account, protocol)
    consenting.add(account)
  }
  const instrument = config.market.instruments.find((i) => i.id === trade.instrumentId)
  if (!instrument) throw new UnknownInstrumentError(trade.instrumentId)
  if (instrument.type === 'option' && BigInt(instrument.expiry!) <= call.block.timestamp) {
    throw new InstrumentExpiredError(trade.instrumentId, instrument.expiry!)
  }
  if (priced.stale.has(instrument.underlying)) throw new StaleOracleError(instrument.underlying)
  return settleFill(store, { ...trade, isOption: instrument.type === 'option' }, settlementAssetId(config), config, {
    timestamp: call.block.timestamp,
    marksPrice: true,
  })
}

/** Builds the Margin precompile. */
export function createMarginSpec(deps: MarginPrecompileDeps): PrecompileSpec {
  const { env } = deps
  const touch = (a: Hex) => deps.touched?.(a)
  return {
    address: MARGIN_ADDRESS,
    abi: MARGIN_ABI,
    handlers: {
      async transfer([toArg, assetIdArg, amountArg], call) {
        const to = lower(toArg)
        const assetId = Number(assetIdArg)
        const amount = amountArg as bigint
        if (amount === 0n) throw new ZeroAmountError()
        if (to === call.caller) throw new SelfTransferError(to)
        if (amount > MAX_WAD) throw new AmountTooLargeError(amount)
        refuseTransferTo(to)
        await underMarginRule(call, env, [call.caller], async (store, config) => {
          if (!config.market.assets.some((a) => a.id === assetId)) throw new UnknownAssetError(assetId)
          await store.addBalance(call.caller, assetId, -amount)
          await store.addBalance(to, assetId, amount)
        })
        touch(call.caller)
        touch(to)
        call.emit('Transfer', { from: call.caller, to, assetId, amount })
      },

      async setOperator([protocolArg, allowed], call) {
        await new UmaStore(call.state, call.gas).setOperator(call.caller, lower(protocolArg), allowed as boolean)
      },

      async settleTrade([buyerArg, sellerArg, instrumentIdArg, sizeArg, priceArg], call) {
        const trade = checkedTrade({ buyer: buyerArg, seller: sellerArg, instrumentId: instrumentIdArg, size: sizeArg, price: priceArg })
        const protocol = call.caller
        let funding: FundingPayment[] = []
        await underMarginRule(call, env, [trade.buyer, trade.seller], async (store, config, priced) => {
          if (!config.protocols.includes(protocol)) throw new UnregisteredProtocolError(protocol)
          funding = await settleOne(store, config, priced, call, trade, new Set())
        })
        touch(trade.buyer)
        touch(trade.seller)
        // Funding is settled into USDC before the fill moves the positions (SPEC 6.3).
        for (const paid of funding) if (paid.amount !== 0n) call.emit('FundingPaid', { ...paid })
        call.emit('Trade', { ...trade, protocol })
      },

      async settleTrades([tradesArg], call) {
        const raw = tradesArg as readonly Record<string, unknown>[]
        if (raw.length === 0) throw new EmptyBatchError()
        if (raw.length > MAX_BATCH_TRADES) throw new BatchTooLargeError(raw.length, MAX_BATCH_TRADES)
        const trades = raw.map(checkedTrade)
        const protocol = call.caller
        // Each distinct account once, in order of first appearance: its figures before the call
        // against after all of its fills (SPEC 4, IMarginBatch).
        const accounts = [...new Set(trades.flatMap((t) => [t.buyer, t.seller]))]
        // A batch reads and writes the same slots many times: it pays each once cold, then warm.
        call.gas.chargeWarmAccesses()
        call.gas.charge(GAS_MARGIN_CHECK * BigInt(2 * accounts.length))
        const funding: FundingPayment[][] = []
        await underMarginRule(
          call,
          env,
          accounts,
          async (store, config, priced) => {
            if (!config.protocols.includes(protocol)) throw new UnregisteredProtocolError(protocol)
            const consenting = new Set<Hex>()
            for (const trade of trades) funding.push(await settleOne(store, config, priced, call, trade, consenting))
          },
          true,
        )
        for (const a of accounts) touch(a)
        trades.forEach((trade, k) => {
          for (const paid of funding[k]) if (paid.amount !== 0n) call.emit('FundingPaid', { ...paid })
          call.emit('Trade', { ...trade, protocol })
        })
      },

      async withdraw([assetIdArg, amountArg, recipientArg], call) {
        const assetId = Number(assetIdArg)
        const amount = amountArg as bigint
        if (amount === 0n) throw new ZeroAmountError()
        if (amount > MAX_WAD) throw new AmountTooLargeError(amount)
        let id = 0n
        await underMarginRule(call, env, [call.caller], async (store, config) => {
          if (!config.market.assets.some((a) => a.id === assetId)) throw new UnknownAssetError(assetId)
          // A withdrawal takes what the account holds, never a loan to L1 (borrowing stays on
          // the chain); and it takes the pool's cash, refused when that is lent out.
          const balance = await store.balance(call.caller, assetId)
          if (balance < amount) throw new InsufficientBalanceError(call.caller, assetId, balance, amount)
          await store.addBalance(call.caller, assetId, -amount)
          id = await store.recordWithdrawal({
            account: call.caller,
            assetId,
            amount,
            l1Recipient: lower(recipientArg),
            l2Block: call.block.number,
          })
        })
        touch(call.caller)
        call.emit('Withdrawal', { id, account: call.caller, assetId, amount, l1Recipient: lower(recipientArg) })
        return id
      },

      async balanceOf([account, assetId], call) {
        return new UmaStore(call.state, call.gas).balance(lower(account), Number(assetId))
      },

      async lendingMarket([assetIdArg], call) {
        const assetId = Number(assetIdArg)
        const config = await env.config(call.state)
        const market = (await lendingMarkets(new UmaStore(call.state, call.gas), config)).find((m) => m.assetId === assetId)
        if (market === undefined) throw new UnknownAssetError(assetId)
        return [market.supplied, market.borrowed, market.borrowRate, market.supplyRate]
      },

      async positionOf([account, instrumentId], call) {
        const p = await new UmaStore(call.state, call.gas).position(lower(account), Number(instrumentId))
        return [p.size, p.entryPrice]
      },
    },
  }
}
