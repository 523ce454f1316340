/**
 * SPEC section 6's worked example, as data: the portfolio, its clock and the parameters (dev,
 * `es` disabled). Tests pin the kernel to the SPEC's figures with it.
 */
import { devRiskParams } from './devMarket.ts'
import type { PortfolioInput } from './portfolio.ts'
import type { RiskParams } from './types.ts'

/** 2026-01-01T00:00:00Z, unix seconds. */
export const WORKED_EXAMPLE_TIME = 1_767_225_600

/** The dev parameters with expected shortfall disabled, as the example states. */
export const workedExampleParams: RiskParams = { ...devRiskParams, es: { ...devRiskParams.es, enabled: false } }

const in45d = WORKED_EXAMPLE_TIME + 45 * 86400

/** 100,000 USDC, 5 WETH, long 10 ETH 3000 calls, short 5 ETH 2600 puts (45 days), short 4 ETH-PERP at 2,950. */
export const workedExample = {
  balances: [
    { asset: 'USDC', amount: '100000' },
    { asset: 'WETH', amount: '5' },
  ],
  positions: [
    { instrument: { type: 'option', underlying: 'ETH', strike: 3000, expiry: in45d, kind: 'call' }, size: '10' },
    { instrument: { type: 'option', underlying: 'ETH', strike: 2600, expiry: in45d, kind: 'put' }, size: '-5' },
    { instrument: 'ETH-PERP', size: '-4', entryPrice: '2950' },
  ],
} satisfies PortfolioInput
