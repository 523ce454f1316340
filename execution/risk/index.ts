/**
 * The risk kernel's entry point (SPEC section 6, issue 3). Everything the node, the
 * precompiles and the RPC layer use, listed by name.
 *
 * Per block: `state = buildMarketState(market, params, now)` (risk arrays), then
 * `remarginAccounts(prev, state, book, out, dirty)` or `pool.remargin(state)` for every account;
 * per report or `margin_simulate`: `marginPortfolio` + `liquidationPrices` + `buildRiskReport` (or
 * `simulateMargin`);
 * per account with health < 0: `planLiquidation` (closures against the insurance fund).
 */
export {
  type AccountBook,
  type BookEntry,
  accountMasks,
  canonicalizeEntries,
  createAccountBook,
  fromArrays,
} from './accountBook.ts'
export { AccountBookWriter, type AccountBookWriterOptions } from './accountBookWriter.ts'
export { type OptionGreeks, SECONDS_PER_YEAR, bsGreeks, bsValue, yearsToExpiry } from './blackScholes.ts'
export { InvalidMarketError, InvalidPortfolioError } from './errors.ts'
export { ES_SEED, buildEsPaths, expectedShortfall } from './expectedShortfall.ts'
export { instrumentName } from './instrumentName.ts'
export {
  type LiquidationClosure,
  type LiquidationPlan,
  type PlanLiquidationOptions,
  applyLiquidationPlan,
  planLiquidation,
} from './liquidation.ts'
export {
  type LiquidationPrice,
  type LiquidationPriceOptions,
  healthSlopeBound,
  liquidationPrices,
} from './liquidationPrices.ts'
export {
  type KernelArrays,
  type MarginOutputs,
  changedRiskClasses,
  createMarginOutputs,
  kernelArraysOf,
  marginAccounts,
  marginRange,
  remarginAccounts,
  remarginRange,
} from './marginAccounts.ts'
export { type MarginPool, createMarginPool, shareAccountBook } from './marginPool.ts'
export {
  type PortfolioMargin,
  type ScenarioPnl,
  type UnderlyingGreeks,
  marginBookAccount,
  marginPortfolio,
} from './marginPortfolio.ts'
export { type MarketState, buildMarketState } from './marketState.ts'
export { expDet, logDet, normCdf, normInv, normPdf } from './mathDet.ts'
export { naiveMargin } from './naiveMargin.ts'
export {
  type InlineOption,
  type PortfolioInput,
  type ResolvedPortfolio,
  resolvePortfolio,
  toBookEntries,
} from './portfolio.ts'
export { type MarginWad, type RiskReport, buildRiskReport, marginWad } from './report.ts'
export { type MarketItem, buildRiskArrays, itemValue } from './riskArray.ts'
export { patchMarketPrices, patchRiskParams } from './riskParams.ts'
export { buildScenarios } from './scenarios.ts'
export { simulateMargin } from './simulateMargin.ts'
export type { Asset, EsParams, Instrument, Market, OptionKind, RiskParams, Scenario, Underlying } from './types.ts'
