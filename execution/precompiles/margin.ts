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
  BorrowCapError,
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
import { figuresOf, marginOfHoldings, passesMarginRule, underlyingsOf } from '../margin/accountMargin.ts'
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
 * Runs `mutate` under the margin rule for `accounts`: each must pass SPEC 4's rule afterwards,
 * and none may rely on a stale price.
 */
async function underMarginRule(
  call: PrecompileCall,
  env: MarginEnv,
  accounts: Hex[],
  mutate: (store: UmaStore, config: GovernedConfig, priced: PricedMarket) => Promise<void>,
): Promise<void> {
  const store = new UmaStore(call.state, call.gas)
  const config = await env.config(call.state)
  const prices = await env.prices(
    call.state,
    config.market.underlyings.map((u) => u.id),
  )
  const priced = marketAt(config, prices, call.block.timestamp, await readFundingIndexes(store, config))
  const before = new Map<Hex, ReturnType<typeof figuresOf>>()
  const heldBefore = new Map<Hex, Holdings>()
  for (const a of accounts) {
    const h = await store.holdings(a)
    heldBefore.set(a, h)
    before.set(a, figuresOf(marginOfHoldings(h, priced.state, priced.funding)))
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
    const figures = figuresOf(marginOfHoldings(holdings, priced.state, priced.funding))
    if (!passesMarginRule(before.get(a)!, figures)) throw new InsufficientMarginError(a, figures.equity, figures.initialMargin)
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
        const buyer = lower(buyerArg)
        const seller = lower(sellerArg)
        const instrumentId = Number(instrumentIdArg)
        const size = sizeArg as bigint
        const price = priceArg as bigint
        const protocol = call.caller
        if (size === 0n) throw new ZeroSizeError()
        if (buyer === seller) throw new SelfTradeError(buyer)
        if (size > MAX_TRADE_WAD || price > MAX_TRADE_WAD) throw new TradeTooLargeError(size, price)
        let funding: FundingPayment[] = []
        await underMarginRule(call, env, [buyer, seller], async (store, config, priced) => {
          if (!config.protocols.includes(protocol)) throw new UnregisteredProtocolError(protocol)
          // Buyer first, the seller read only if the buyer consents (as `a || b` would).
          for (const account of [buyer, seller]) {
            if (!(await store.isOperator(account, protocol))) throw new NotOperatorError(account, protocol)
          }
          const instrument = config.market.instruments.find((i) => i.id === instrumentId)
          if (!instrument) throw new UnknownInstrumentError(instrumentId)
          if (instrument.type === 'option' && BigInt(instrument.expiry!) <= call.block.timestamp) {
            throw new InstrumentExpiredError(instrumentId, instrument.expiry!)
          }
          if (priced.stale.has(instrument.underlying)) throw new StaleOracleError(instrument.underlying)
          funding = await settleFill(
            store,
            { buyer, seller, instrumentId, isOption: instrument.type === 'option', size, price },
            settlementAssetId(config),
            config,
            { timestamp: call.block.timestamp, marksPrice: true },
          )
        })
        touch(buyer)
        touch(seller)
        // Funding is settled into USDC before the fill moves the positions (SPEC 6.3).
        for (const paid of funding) if (paid.amount !== 0n) call.emit('FundingPaid', { ...paid })
        call.emit('Trade', { buyer, seller, instrumentId, size, price, protocol })
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
