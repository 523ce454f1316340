import { DAY_SECONDS, weeklyExpiryOnOrAfter } from './expiries.ts'
import { instrumentName } from './instrumentName.ts'
import type { Instrument, Market, RiskParams } from './types.ts'

/**
 * The dev genesis's markets and risk parameters as plain data (SPEC sections 2 and 6). The
 * genesis file format is built around this; the offline `unimargin risk` command defaults to it.
 */

/** 2026-12-31T08:00:00Z, the first dev expiry. */
export const DEV_EXPIRY_1 = 1_798_704_000
/** 2027-03-26T08:00:00Z, the second dev expiry. */
export const DEV_EXPIRY_2 = 1_806_048_000

/** A listed European option (plain data; the name follows SPEC section 5). */
function opt(id: number, underlying: string, expiry: number, strike: number, kind: 'call' | 'put', name: string): Instrument {
  return { id, name, type: 'option', underlying, strike, expiry, kind }
}

/**
 * Dev markets: underlyings ETH (3,000, vol 0.60), BTC (60,000, vol 0.50) and the oracle feed of
 * the LP-token example; assets USDC, WETH, WBTC, ETHUSDC-LP; ETH-PERP, BTC-PERP and 24 European
 * options (3 strikes × call/put × 2 expiries per underlying).
 */
export const devMarket: Market = {
  underlyings: [
    { id: 1, symbol: 'ETH', price: 3000, vol: 0.6 },
    { id: 2, symbol: 'BTC', price: 60000, vol: 0.5 },
    // The LP token has its own oracle feed (SPEC 6: "LP from its oracle feed").
    { id: 3, symbol: 'ETHUSDC-LP', price: 100, vol: 0.3 },
  ],
  assets: [
    { id: 1, symbol: 'USDC', decimals: 6, underlying: null, price: 1 },
    { id: 2, symbol: 'WETH', decimals: 18, underlying: 'ETH' },
    { id: 3, symbol: 'WBTC', decimals: 8, underlying: 'BTC' },
    { id: 4, symbol: 'ETHUSDC-LP', decimals: 18, underlying: 'ETHUSDC-LP' },
  ],
  instruments: [
    { id: 1, name: 'ETH-PERP', type: 'perp', underlying: 'ETH' },
    { id: 2, name: 'BTC-PERP', type: 'perp', underlying: 'BTC' },
    opt(3, 'ETH', DEV_EXPIRY_1, 2500, 'call', 'ETH-20261231-2500-C'),
    opt(4, 'ETH', DEV_EXPIRY_1, 2500, 'put', 'ETH-20261231-2500-P'),
    opt(5, 'ETH', DEV_EXPIRY_1, 3000, 'call', 'ETH-20261231-3000-C'),
    opt(6, 'ETH', DEV_EXPIRY_1, 3000, 'put', 'ETH-20261231-3000-P'),
    opt(7, 'ETH', DEV_EXPIRY_1, 3500, 'call', 'ETH-20261231-3500-C'),
    opt(8, 'ETH', DEV_EXPIRY_1, 3500, 'put', 'ETH-20261231-3500-P'),
    opt(9, 'ETH', DEV_EXPIRY_2, 2500, 'call', 'ETH-20270326-2500-C'),
    opt(10, 'ETH', DEV_EXPIRY_2, 2500, 'put', 'ETH-20270326-2500-P'),
    opt(11, 'ETH', DEV_EXPIRY_2, 3000, 'call', 'ETH-20270326-3000-C'),
    opt(12, 'ETH', DEV_EXPIRY_2, 3000, 'put', 'ETH-20270326-3000-P'),
    opt(13, 'ETH', DEV_EXPIRY_2, 3500, 'call', 'ETH-20270326-3500-C'),
    opt(14, 'ETH', DEV_EXPIRY_2, 3500, 'put', 'ETH-20270326-3500-P'),
    opt(15, 'BTC', DEV_EXPIRY_1, 50000, 'call', 'BTC-20261231-50000-C'),
    opt(16, 'BTC', DEV_EXPIRY_1, 50000, 'put', 'BTC-20261231-50000-P'),
    opt(17, 'BTC', DEV_EXPIRY_1, 60000, 'call', 'BTC-20261231-60000-C'),
    opt(18, 'BTC', DEV_EXPIRY_1, 60000, 'put', 'BTC-20261231-60000-P'),
    opt(19, 'BTC', DEV_EXPIRY_1, 70000, 'call', 'BTC-20261231-70000-C'),
    opt(20, 'BTC', DEV_EXPIRY_1, 70000, 'put', 'BTC-20261231-70000-P'),
    opt(21, 'BTC', DEV_EXPIRY_2, 50000, 'call', 'BTC-20270326-50000-C'),
    opt(22, 'BTC', DEV_EXPIRY_2, 50000, 'put', 'BTC-20270326-50000-P'),
    opt(23, 'BTC', DEV_EXPIRY_2, 60000, 'call', 'BTC-20270326-60000-C'),
    opt(24, 'BTC', DEV_EXPIRY_2, 60000, 'put', 'BTC-20270326-60000-P'),
    opt(25, 'BTC', DEV_EXPIRY_2, 70000, 'call', 'BTC-20270326-70000-C'),
    opt(26, 'BTC', DEV_EXPIRY_2, 70000, 'put', 'BTC-20270326-70000-P'),
  ],
}

/**
 * The dev market of a chain whose genesis block is at `genesisTimestamp` (unix seconds): the
 * same ids, strikes and kinds as {@link devMarket}, its first expiry moved to the first Friday
 * 08:00 UTC at least 30 days after genesis and its second to the first at least 90 days after,
 * renamed to match. So a dev chain started on any date has live options (SPEC 2 and 6.4).
 *
 * @example devMarketAt(1_767_225_600).instruments[2].name // 'ETH-20260206-2500-C'
 */
export function devMarketAt(genesisTimestamp: number): Market {
  const first = weeklyExpiryOnOrAfter(genesisTimestamp + 30 * DAY_SECONDS)
  const second = weeklyExpiryOnOrAfter(genesisTimestamp + 90 * DAY_SECONDS)
  const moved = (i: Instrument): Instrument => {
    if (i.type !== 'option') return { ...i }
    const expiry = i.expiry === DEV_EXPIRY_1 ? first : second
    const spec = { type: i.type, underlying: i.underlying, strike: i.strike, expiry, kind: i.kind }
    return { id: i.id, name: instrumentName(spec), ...spec }
  }
  return {
    underlyings: devMarket.underlyings.map((u) => ({ ...u })),
    assets: devMarket.assets.map((a) => ({ ...a })),
    instruments: devMarket.instruments.map(moved),
  }
}

/** SPEC section 6's dev defaults. */
export const devRiskParams: RiskParams = {
  // The LP feed is scanned too (not in SPEC's table): otherwise a borrowed LP token would carry
  // price risk that no margin term covers.
  scanRange: { ETH: 0.15, BTC: 0.12, 'ETHUSDC-LP': 0.15 },
  spotShocks: [-1, -2 / 3, -1 / 3, 0, 1 / 3, 2 / 3, 1],
  volShocks: [-0.3, 0, 0.3],
  extremeMultiple: 3,
  extremeCover: 0.35,
  volFloor: 0.01,
  shortOptionMinimum: 0.01,
  haircut: { USDC: 0.02, WETH: 0.1, WBTC: 0.12, 'ETHUSDC-LP': 0.4 },
  imMultiplier: 1.3,
  riskRate: 0,
  es: {
    enabled: true,
    confidence: 0.975,
    horizonSeconds: 86_400,
    paths: 2000,
    correlation: { 'ETH-BTC': 0.8 },
  },
  maxOracleAge: 60,
  liquidationPenalty: 0.01,
  liquidationBuffer: 0.1,
}
