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
  accountMasks,
  type BookEntry,
  canonicalizeEntries,
  createAccountBook,
  fromArrays,
} from './accountBook.ts'
export { AccountBookWriter, type AccountBookWriterOptions } from './accountBookWriter.ts'
export { bsGreeks, bsValue, type OptionGreeks, SECONDS_PER_YEAR, yearsToExpiry } from './blackScholes.ts'
/** The dev genesis's market and parameters (the SPEC 6 worked example uses them). */
export { devMarket, devMarketAt, devRiskParams } from './devMarket.ts'
/** Every domain error of the kernel, as a module (rpc/errors.ts maps each one). */
export * as riskErrors from './errors.ts'
export { InvalidMarketError, InvalidPortfolioError } from './errors.ts'
export { buildEsPaths, choleskyOfCorrelation, ES_SEED, expectedShortfall } from './expectedShortfall.ts'
export {
  civilFromDays,
  DAY_SECONDS,
  daysFromCivil,
  isMonthlyExpiry,
  lastFridayOfMonth,
  listingStrikeWad,
  listingWindow,
  monthlyWindow,
  nextWeeklyExpiry,
  utcDateCode,
  WEEK_SECONDS,
  weeklyExpiryOnOrAfter,
  weeklyWindow,
} from './expiries.ts'
export { instrumentName } from './instrumentName.ts'
export {
  applyLiquidationPlan,
  type LiquidationClosure,
  type LiquidationPlan,
  type PlanLiquidationOptions,
  planLiquidation,
} from './liquidation.ts'
export {
  healthSlopeBound,
  type LiquidationPrice,
  type LiquidationPriceOptions,
  liquidationPrices,
} from './liquidationPrices.ts'
export {
  changedRiskClasses,
  createMarginOutputs,
  createScratch,
  type KernelArrays,
  kernelArraysOf,
  type MarginOutputs,
  marginAccounts,
  marginRange,
  remarginAccounts,
  remarginRange,
} from './marginAccounts.ts'
export { createMarginPool, type MarginPool, shareAccountBook } from './marginPool.ts'
export {
  type LazyMarginFigures,
  lazyMarginFigures,
  type MarginFigureNumbers,
  marginBookAccount,
  marginFigures,
  marginPortfolio,
  type PortfolioMargin,
  type ScenarioPnl,
  type UnderlyingGreeks,
} from './marginPortfolio.ts'
export { type MarginWad, marginWad } from './marginWad.ts'
export { buildMarketState, type MarketState } from './marketState.ts'
export { expDet, logDet, normCdf, normInv, normPdf } from './mathDet.ts'
export { naiveMargin } from './naiveMargin.ts'
export {
  type InlineOption,
  type PortfolioInput,
  type ResolvedPortfolio,
  resolvePortfolio,
  toBookEntries,
} from './portfolio.ts'
export { createRandom } from './random.ts'
export { buildRiskReport, type RiskReport } from './report.ts'
export { buildRiskArrays, itemValue, type MarketItem } from './riskArray.ts'
export { patchMarketPrices, patchRiskParams } from './riskParams.ts'
export { buildScenarios } from './scenarios.ts'
export { simulateMargin } from './simulateMargin.ts'
export type { Asset, EsParams, Instrument, Market, OptionKind, RiskParams, Scenario, Underlying } from './types.ts'
