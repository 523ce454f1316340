import { instrumentName } from '../execution/risk/instrumentName.ts'
import type { Instrument, Market, RiskParams } from '../execution/risk/types.ts'

/**
 * The dev genesis's markets and risk parameters as plain data (SPEC sections 2 and 6). The
 * genesis file format is built around this; the offline `unimargin risk` command defaults to it.
 */

/** 2026-12-31T08:00:00Z, the first dev expiry. */
export const DEV_EXPIRY_1 = 1_798_704_000
/** 2027-03-26T08:00:00Z, the second dev expiry. */
export const DEV_EXPIRY_2 = 1_806_048_000

const ETH_STRIKES = [2500, 3000, 3500]
const BTC_STRIKES = [50000, 60000, 70000]

function devInstruments(): Instrument[] {
  const list: Instrument[] = [
    { id: 1, name: 'ETH-PERP', type: 'perp', underlying: 'ETH' },
    { id: 2, name: 'BTC-PERP', type: 'perp', underlying: 'BTC' },
  ]
  for (const [underlying, strikes] of [
    ['ETH', ETH_STRIKES],
    ['BTC', BTC_STRIKES],
  ] as const) {
    for (const expiry of [DEV_EXPIRY_1, DEV_EXPIRY_2]) {
      for (const strike of strikes) {
        for (const kind of ['call', 'put'] as const) {
          const spec = { type: 'option' as const, underlying, strike, expiry, kind }
          list.push({ id: list.length + 1, name: instrumentName(spec), ...spec })
        }
      }
    }
  }
  return list
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
  instruments: devInstruments(),
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
