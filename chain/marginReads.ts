/**
 * The margin reads behind the `margin_` RPC namespace: accounts, risk reports, simulations and
 * markets at any block, computed from that block's state with the same kernel the chain runs.
 */
import type { Block } from '@ethereumjs/block'
import type { MerkleStateManager } from '@ethereumjs/statemanager'
import { marginOfHoldings } from '../execution/margin/accountMargin.ts'
import { marketAt, type PricedMarket } from '../execution/margin/marketAt.ts'
import type { MarginEnv } from '../execution/margin/types.ts'
import { buildRiskReport, type RiskReport } from '../execution/risk/report.ts'
import { simulateMargin } from '../execution/risk/simulateMargin.ts'
import { formatAmount, formatWad, wadToNumber } from '../lib/fixed.ts'
import { UmaStore } from '../state/umaStore.ts'
import type { BlockTag, Hex, MarginAccountView, MarginApi, MarketsView } from './types.ts'

export interface MarginReadsDeps {
  env: MarginEnv
  /** A scratch state manager at the block named by `tag`, and the block. */
  stateAt(tag: BlockTag): Promise<{ state: MerkleStateManager; block: Block }>
  /** The account's bridge deposits still pending L1 finality (worth 0); none without a bridge. */
  pendingDeposits?(address: Hex): MarginAccountView['pendingDeposits']
}

export class MarginReads implements MarginApi {
  constructor(private readonly deps: MarginReadsDeps) {}

  private async priced(tag: BlockTag): Promise<{ state: MerkleStateManager; priced: PricedMarket }> {
    const { state, block } = await this.deps.stateAt(tag)
    const config = await this.deps.env.config(state)
    const prices = await this.deps.env.prices(state, config.market.underlyings.map((u) => u.id))
    return { state, priced: marketAt(config, prices, block.header.timestamp) }
  }

  async getAccount(address: Hex, tag: BlockTag): Promise<MarginAccountView> {
    const account = address.toLowerCase() as Hex
    const { state, priced } = await this.priced(tag)
    const store = new UmaStore(state)
    const h = await store.holdings(account)
    const ms = priced.state
    return {
      address: account,
      balances: h.balances.map((b) => ({
        assetId: b.assetId,
        symbol: priced.market.assets.find((a) => a.id === b.assetId)?.symbol ?? `asset-${b.assetId}`,
        amount: formatWad(b.amount),
      })),
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
        }
      }),
      operators: await store.operators(account),
      pendingDeposits: this.deps.pendingDeposits?.(account) ?? [],
    }
  }

  async getRiskReport(address: Hex, tag: BlockTag): Promise<RiskReport> {
    const { state, priced } = await this.priced(tag)
    const holdings = await new UmaStore(state).holdings(address.toLowerCase() as Hex)
    return buildRiskReport(marginOfHoldings(holdings, priced.state))
  }

  async simulate(portfolio: unknown): Promise<RiskReport> {
    const { priced } = await this.priced('latest')
    return simulateMargin(priced.market, priced.state.params, priced.state.nowSeconds, portfolio)
  }

  async getMarkets(tag: BlockTag): Promise<MarketsView> {
    const { priced } = await this.priced(tag)
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
          ...(i.type === 'option' ? { strike: i.strike, expiry: i.expiry, kind: i.kind } : {}),
        }))
        .sort((a, b) => a.id - b.id),
    }
  }
}
