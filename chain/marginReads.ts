/**
 * The margin reads behind the `margin_` RPC namespace: accounts, risk reports, simulations and
 * markets at any block, computed from that block's state with the same kernel the chain runs.
 */
import type { Block } from '@ethereumjs/block'
import type { MerkleStateManager } from '@ethereumjs/statemanager'
import { bytesToHex } from '@ethereumjs/util'
import { decodeEventLog, encodeEventTopics } from 'viem'
import { holdingsToEntries, marginOfHoldings } from '../execution/margin/accountMargin.ts'
import { fundingOwed, intervalStartOf, readFundingIndexes, vwapOf } from '../execution/margin/funding.ts'
import { type LendingMarket, lendingMarkets } from '../execution/margin/interest.ts'
import { COLLATERAL_FLAG } from '../execution/margin/liquidate.ts'
import { marketAt, type PricedMarket } from '../execution/margin/marketAt.ts'
import type { MarginEnv } from '../execution/margin/types.ts'
import { MARGIN_ABI } from '../execution/precompiles/margin.ts'
import { formatAmount, formatWad, wadToNumber } from '../lib/fixed.ts'
import { buildRiskReport, liquidationPrices, type Market, marginPortfolio, type RiskReport, simulateMargin } from '../risk/index.ts'
import { INSURANCE_FUND_ADDRESS, MARGIN_ADDRESS } from '../state/system/addresses.ts'
import type { GovernedConfig } from '../state/system/types.ts'
import { type Holdings, UmaStore } from '../state/system/umaStore.ts'
import type { BlockTag, Hex, StoredLog } from '../state/types.ts'
import { InvalidRangeError } from './errors.ts'
import type { InsuranceFundView, LendingMarketView, LiquidationView, MarginAccountView, MarginApi, MarketsView } from './types.ts'

/** Topics of the events `margin_getLiquidations` lists. */
const LIQUIDATION_TOPICS: Hex[] = [
  encodeEventTopics({ abi: MARGIN_ABI, eventName: 'Liquidation' })[0],
  encodeEventTopics({ abi: MARGIN_ABI, eventName: 'BadDebt' })[0],
]
/** Widest block range one `margin_getLiquidations` or `margin_getInsuranceFund` may span (the header blooms skip the rest). */
export const MAX_LIQUIDATION_RANGE = 100_000n

/**
 * A `Liquidation` or `BadDebt` log as `margin_getLiquidations` and `marginHealth` show it, or
 * undefined for any other log.
 */
export function liquidationView(log: StoredLog, market: Market): LiquidationView | undefined {
  if (log.address.toLowerCase() !== MARGIN_ADDRESS || !LIQUIDATION_TOPICS.includes(log.topics[0])) return undefined
  const ev = decodeEventLog({ abi: MARGIN_ABI, data: log.data, topics: log.topics as [Hex, ...Hex[]] })
  const at = { blockNumber: Number(log.blockNumber), transactionHash: log.transactionHash, logIndex: log.logIndex }
  if (ev.eventName === 'BadDebt') {
    return { ...at, type: 'badDebt', account: ev.args.account.toLowerCase() as Hex, amount: formatWad(ev.args.amount) }
  }
  if (ev.eventName !== 'Liquidation') return undefined
  const { account, instrumentId, sizeClosed, price, penalty } = ev.args
  const collateral = instrumentId >= COLLATERAL_FLAG
  const id = collateral ? instrumentId - COLLATERAL_FLAG : instrumentId
  return {
    ...at,
    type: 'liquidation',
    account: account.toLowerCase() as Hex,
    ...(collateral
      ? { kind: 'collateral', assetId: id, name: market.assets.find((a) => a.id === id)?.symbol ?? `asset-${id}` }
      : { kind: 'position', instrumentId: id, name: market.instruments.find((i) => i.id === id)?.name ?? `instrument-${id}` }),
    sizeClosed: formatWad(sizeClosed),
    price: formatWad(price),
    penalty: formatWad(penalty),
  } as LiquidationView
}

export interface MarginReadsDeps {
  env: MarginEnv
  /** A scratch state manager at the block named by `tag`, and the block. */
  stateAt(tag: BlockTag): Promise<{ state: MerkleStateManager; block: Block }>
  /** The account's bridge deposits still pending L1 finality (worth 0); none without a bridge. */
  pendingDeposits?(address: Hex): MarginAccountView['pendingDeposits']
  /** The chain's block number for `tag` (throws `UnknownBlockError`). */
  resolveBlock(tag: BlockTag): Promise<bigint>
  /** eth_getLogs over the chain. */
  getLogs(filter: { fromBlock: bigint; toBlock: bigint; addresses?: Hex[]; topics?: (Hex | Hex[] | null)[] }): Promise<StoredLog[]>
}

/** Blocks whose priced market `MarginReads` keeps (the head's and a few before it). */
const PRICED_BLOCKS = 8

export class MarginReads implements MarginApi {
  /**
   * The priced market of recent blocks, by block hash: the reads of one block (a `marginHealth`
   * report per subscribed account, simulations at the head) read its configuration and prices
   * from state once.
   */
  private readonly pricedByBlock = new Map<Hex, Promise<PricedMarket>>()

  constructor(private readonly deps: MarginReadsDeps) {}

  private async priced(tag: BlockTag): Promise<{ state: MerkleStateManager; priced: PricedMarket }> {
    const { state, block } = await this.deps.stateAt(tag)
    const key = bytesToHex(block.hash()) as Hex
    let priced = this.pricedByBlock.get(key)
    if (priced === undefined) {
      priced = (async () => {
        const config = await this.deps.env.config(state)
        const prices = await this.deps.env.prices(
          state,
          config.market.underlyings.map((u) => u.id),
        )
        return marketAt(config, prices, block.header.timestamp, await readFundingIndexes(new UmaStore(state), config))
      })()
      this.pricedByBlock.set(key, priced)
      priced.catch(() => this.pricedByBlock.delete(key))
      if (this.pricedByBlock.size > PRICED_BLOCKS) this.pricedByBlock.delete(this.pricedByBlock.keys().next().value as Hex)
    }
    return { state, priced: await priced }
  }

  async getAccount(address: Hex, tag: BlockTag): Promise<MarginAccountView> {
    const account = address.toLowerCase() as Hex
    const { state, priced } = await this.priced(tag)
    const store = new UmaStore(state)
    const config = await this.deps.env.config(state)
    const rates = new Map((await lendingMarkets(store, config)).map((m) => [m.assetId, m]))
    return {
      address: account,
      ...holdingsView(await store.holdings(account), priced, rates),
      operators: await store.operators(account),
      pendingDeposits: this.deps.pendingDeposits?.(account) ?? [],
    }
  }

  /** `margin_getLendingMarkets` (SPEC 5, 6.2): every pool, amounts in whole units, rates per year. */
  async getLendingMarkets(tag: BlockTag): Promise<LendingMarketView[]> {
    const { state } = await this.deps.stateAt(tag)
    const config = await this.deps.env.config(state)
    return (await lendingMarkets(new UmaStore(state), config)).map((m) => ({
      assetId: m.assetId,
      symbol: m.symbol,
      borrowable: m.borrowable,
      supplied: formatWad(m.supplied),
      borrowed: formatWad(m.borrowed),
      cash: formatWad(m.cash),
      utilization: formatWad(m.utilization),
      borrowRate: formatWad(m.borrowRate),
      supplyRate: formatWad(m.supplyRate),
      borrowCap: formatWad(m.borrowCap),
      reserveFactor: formatWad(m.reserveFactor),
    }))
  }

  async getRiskReport(address: Hex, tag: BlockTag): Promise<RiskReport> {
    const { state, priced } = await this.priced(tag)
    const holdings = await new UmaStore(state).holdings(address.toLowerCase() as Hex)
    const entries = holdingsToEntries(holdings, priced.state, priced.funding)
    return buildRiskReport(marginPortfolio(priced.state, entries), liquidationPrices(priced.state, entries))
  }

  async simulate(portfolio: unknown): Promise<RiskReport> {
    const { priced } = await this.priced('latest')
    return simulateMargin(priced.market, priced.state.params, priced.state.nowSeconds, portfolio, priced.state)
  }

  async getMarkets(tag: BlockTag): Promise<MarketsView> {
    const { state, priced } = await this.priced(tag)
    const perps = await perpFundingViews(state, await this.deps.env.config(state), priced)
    const m = priced.market
    const haircut = priced.state.params.haircut
    return {
      underlyings: m.underlyings
        .map((u) => ({
          id: u.id,
          symbol: u.symbol,
          price: formatAmount(u.price),
          vol: formatAmount(u.vol),
          timestamp: u.timestamp ?? 0,
        }))
        .sort((a, b) => a.id - b.id),
      assets: m.assets
        .map((a) => ({ id: a.id, symbol: a.symbol, decimals: a.decimals, underlying: a.underlying, haircut: haircut[a.symbol] ?? 0 }))
        .sort((a, b) => a.id - b.id),
      instruments: m.instruments
        .map((i) => ({
          id: i.id,
          name: i.name,
          type: i.type,
          underlying: i.underlying,
          ...(i.type === 'option' ? { strike: i.strike, expiry: i.expiry, kind: i.kind } : perps.get(i.id)),
        }))
        .sort((a, b) => a.id - b.id),
    }
  }

  async getLiquidations(from: BlockTag, to: BlockTag): Promise<LiquidationView[]> {
    const [fromBlock, toBlock] = await this.range(from, to)
    const { priced } = await this.priced(toBlock)
    const logs = await this.deps.getLogs({ fromBlock, toBlock, addresses: [MARGIN_ADDRESS], topics: [LIQUIDATION_TOPICS] })
    return logs.map((l) => liquidationView(l, priced.market)).filter((v) => v !== undefined)
  }

  async liquidationsIn(logs: StoredLog[], n: bigint): Promise<LiquidationView[]> {
    const mine = logs.filter((l) => LIQUIDATION_TOPICS.includes(l.topics[0]))
    if (mine.length === 0) return []
    const { priced } = await this.priced(n)
    return mine.map((l) => liquidationView(l, priced.market)).filter((v) => v !== undefined)
  }

  async getInsuranceFund(from: BlockTag, to: BlockTag): Promise<InsuranceFundView> {
    const [fromBlock, toBlock] = await this.range(from, to)
    const logs = await this.deps.getLogs({ fromBlock, toBlock, addresses: [MARGIN_ADDRESS], topics: [LIQUIDATION_TOPICS] })
    const blocks = [...new Set([fromBlock, ...logs.map((l) => l.blockNumber), toBlock])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const history: InsuranceFundView['history'] = []
    for (const n of blocks) {
      // One state and one read of the fund's holdings per block, for its view and its margin.
      const { state, priced } = await this.priced(n)
      const holdings = await new UmaStore(state).holdings(INSURANCE_FUND_ADDRESS)
      const view = holdingsView(holdings, priced)
      // Only equity and MM are read here: no liquidation-price search.
      const report = buildRiskReport(marginOfHoldings(holdings, priced.state, priced.funding), [])
      const events = logs.filter((l) => l.blockNumber === n)
      history.push({
        blockNumber: Number(n),
        balances: view.balances,
        positions: view.positions.map(({ instrumentId, name, size, entryPrice }) => ({ instrumentId, name, size, entryPrice })),
        equity: report.equity,
        maintenanceMargin: report.maintenanceMargin,
        liquidations: events.length,
      })
    }
    return { address: INSURANCE_FUND_ADDRESS, history }
  }

  /** A block range from two tags, checked like eth_getLogs'. */
  private async range(from: BlockTag, to: BlockTag): Promise<[bigint, bigint]> {
    const fromBlock = await this.deps.resolveBlock(from)
    const toBlock = await this.deps.resolveBlock(to)
    if (fromBlock > toBlock) throw new InvalidRangeError('fromBlock is after toBlock')
    if (toBlock - fromBlock >= MAX_LIQUIDATION_RANGE) {
      throw new InvalidRangeError(`block range too wide (at most ${MAX_LIQUIDATION_RANGE} blocks)`)
    }
    return [fromBlock, toBlock]
  }
}

/** Each perp's funding figures in `margin_getMarkets` (SPEC 5 and 6.3), by instrument id. */
async function perpFundingViews(
  state: MerkleStateManager,
  config: GovernedConfig,
  priced: PricedMarket,
): Promise<Map<number, Pick<MarketsView['instruments'][number], 'markPrice' | 'fundingRate' | 'cumulativeFunding' | 'nextFundingTime'>>> {
  const store = new UmaStore(state)
  const interval = config.funding.intervalSeconds
  const now = intervalStartOf(BigInt(priced.state.nowSeconds), interval)
  const out = new Map()
  for (const i of priced.market.instruments) {
    if (i.type !== 'perp') continue
    const pf = await store.perpFunding(i.id)
    const u = priced.state.underlyingBySymbol.get(i.underlying)
    const vwap = vwapOf(pf)
    out.set(i.id, {
      markPrice: vwap === undefined ? formatAmount(u === undefined ? 0 : priced.state.spot[u]) : formatWad(vwap),
      // The rate of the interval that ended last: 0 when it had no fill (nothing closed at its end).
      fundingRate: formatWad(pf.lastFundingTime === now ? pf.lastRate : 0n),
      cumulativeFunding: formatWad(pf.cumulativeFunding),
      nextFundingTime: Number(now) + interval,
    })
  }
  return out
}

/** An account's balances and positions as `margin_getAccount` shows them, valued at `priced`. */
function holdingsView(
  h: Holdings,
  priced: PricedMarket,
  pools: ReadonlyMap<number, LendingMarket> = new Map(),
): Pick<MarginAccountView, 'balances' | 'positions'> {
  const ms = priced.state
  return {
    balances: h.balances.map((b) => {
      const pool = pools.get(b.assetId)
      return {
        assetId: b.assetId,
        symbol: priced.market.assets.find((a) => a.id === b.assetId)?.symbol ?? `asset-${b.assetId}`,
        amount: formatWad(b.amount),
        // What the balance earns (supplied) or pays (borrowed), per year.
        ...(pool === undefined ? {} : { interestRate: formatWad(b.amount < 0n ? pool.borrowRate : pool.supplyRate) }),
      }
    }),
    positions: h.positions.map((p) => {
      const item = ms.itemByInstrumentId.get(p.instrumentId)
      const mark = item === undefined ? 0 : ms.itemMark[item]
      const size = wadToNumber(p.size)
      const inst = priced.market.instruments.find((i) => i.id === p.instrumentId)
      // A perp's value is its unrealised P&L; an option's is size × mark.
      const value = inst?.type === 'perp' ? size * (mark - wadToNumber(p.entryPrice)) : size * mark
      return {
        instrumentId: p.instrumentId,
        name: inst?.name ?? `instrument-${p.instrumentId}`,
        size: formatWad(p.size),
        entryPrice: formatWad(p.entryPrice),
        markPrice: formatAmount(mark),
        value: formatAmount(value),
        ...(inst?.type === 'perp'
          ? { fundingAccrued: formatWad(fundingOwed(p.size, p.entryFunding ?? 0n, priced.funding.get(p.instrumentId) ?? 0n)) }
          : {}),
      }
    }),
  }
}
