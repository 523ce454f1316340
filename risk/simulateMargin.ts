import { liquidationPrices } from './liquidationPrices.ts'
import { marginPortfolio } from './marginPortfolio.ts'
import { buildMarketState, type MarketState } from './marketState.ts'
import { resolvePortfolio, toBookEntries } from './portfolio.ts'
import { buildRiskReport, type RiskReport } from './report.ts'
import type { Market, RiskParams } from './types.ts'

/**
 * `margin_simulate` in one call: resolve the portfolio (ids, names, inline options), price the
 * market at `nowSeconds`, margin, find the liquidation prices, format. Throws InvalidPortfolioError /
 * InvalidMarketError naming the bad field (a portfolio over `PORTFOLIO_LIMITS` among them). `priced`,
 * the state of `market` at `nowSeconds` under `params`, is reused when the portfolio names no inline option.
 *
 * @example simulateMargin(devMarket, devRiskParams, 1767225600, { balances: [{ asset: 'USDC', amount: '1000' }] })
 */
export function simulateMargin(
  market: Market,
  params: RiskParams,
  nowSeconds: number,
  portfolio: unknown,
  priced?: MarketState,
): RiskReport {
  const resolved = resolvePortfolio(portfolio, market)
  const state = priced !== undefined && resolved.market === market ? priced : buildMarketState(resolved.market, params, nowSeconds)
  const entries = toBookEntries(resolved, state)
  return buildRiskReport(marginPortfolio(state, entries), liquidationPrices(state, entries))
}
