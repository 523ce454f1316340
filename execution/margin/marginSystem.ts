/**
 * The margin system as the node runs it: its precompiles (SPEC section 4: Margin, RiskKernel,
 * Oracle, Governance), the accounts each
 * block touched, the start-of-block step (interest, funding, listing: SPEC 6.5), the end-of-block pass (expiry settlement, re-margin of every account that
 * changed or moved) and the genesis balances.
 */
import type { StateManagerInterface } from '@ethereumjs/common'
import type { Hex } from 'viem'
import type { Instrument } from '../../risk/index.ts'
import { INSURANCE_FUND_ADDRESS } from '../../state/system/addresses.ts'
import type { Pool } from '../../state/system/lendingPools.ts'
import { UmaStore } from '../../state/system/umaStore.ts'
import type { PrecompileSpec } from '../precompiles/definePrecompile.ts'
import { governancePrecompile } from '../precompiles/governance.ts'
import { createMarginSpec } from '../precompiles/margin.ts'
import { createOracleSpec } from '../precompiles/oracle.ts'
import { createRiskKernelSpec } from '../precompiles/riskKernel.ts'
import { type ClosedInterval, closeFundingIntervals, readFundingIndexes } from './funding.ts'
import { type Accrual, accrueInterest } from './interest.ts'
import { type LiquidationPass, liquidateUnhealthy } from './liquidate.ts'
import { listDueExpiries } from './listing.ts'
import { MarginMirror } from './marginMirror.ts'
import { marketAt, type PricedMarket } from './marketAt.ts'
import { type SettledOption, settleExpired } from './settleExpired.ts'
import type { MarginEnv } from './types.ts'

/** What the start of a block did (SPEC 6.5). */
export interface BeginBlock {
  /** The pools that accrued interest (SPEC 6.2). */
  interest: Accrual[]
  /** The funding intervals closed (SPEC 6.3). */
  funding: ClosedInterval[]
  /** Options listed by the `listing` schedule (SPEC 6.4), in id order. */
  listed: Instrument[]
}

/** What one end-of-block pass did. */
export interface EndOfBlock {
  settled: SettledOption[]
  /** Accounts re-margined by the kernel. */
  remargined: number
  priced: PricedMarket
  /** The liquidations of the block (SPEC section 6). */
  liquidation: LiquidationPass
}

export class MarginSystem {
  readonly precompiles: readonly PrecompileSpec[]
  private touched = new Set<Hex>()
  private mirror = new MarginMirror()

  /**
   * @param env the configuration and oracle readers over state
   * @param chainId the chain id feeders sign price updates for
   */
  constructor(
    readonly env: MarginEnv,
    chainId: bigint,
  ) {
    this.precompiles = [
      createMarginSpec({ env, touched: (a) => this.touched.add(a) }),
      createRiskKernelSpec({ env }),
      createOracleSpec({ chainId, getConfig: env.config }),
      governancePrecompile,
    ]
  }

  /** The mirror of the last completed block. */
  get accounts(): MarginMirror {
    return this.mirror
  }

  /**
   * Marks `account` as changed by something outside a precompile call (a block-start system
   * operation such as a bridge credit): the end-of-block pass re-reads and re-margins it.
   */
  touch(account: Hex): void {
    this.touched.add(account.toLowerCase() as Hex)
  }

  /** Rebuilds the mirror from `state` (on start, and after an abandoned block). */
  async load(state: StateManagerInterface): Promise<void> {
    this.mirror = await MarginMirror.load(state)
    this.touched.clear()
  }

  /**
   * At the start of a block, inside its state and before its deposit credits and transactions
   * (SPEC 6.5): accrues interest, closes the funding intervals that ended, then lists the expiries that entered the `listing` window (execution/margin/listing.ts). The same
   * step runs when a block is produced and when it is imported, so followers reproduce it.
   */
  async beginBlock(state: StateManagerInterface, timestamp: bigint): Promise<BeginBlock> {
    const interest = await this.accrue(state, timestamp)
    // Funding touches no account: accrued funding reaches the mirror through the perps' indexes
    // at the end of the block.
    const funding = await closeFundingIntervals(state, this.env, timestamp)
    return { interest, funding, listed: await listDueExpiries(state, this.env, timestamp) }
  }

  /**
   * Accrues interest on every pool to the block's time (execution/margin/interest.ts). The
   * accounts holding a pooled asset whose indexes moved are re-priced in the mirror from their
   * scaled principal, in memory.
   */
  private async accrue(state: StateManagerInterface, timestamp: bigint): Promise<Accrual[]> {
    const config = await this.env.config(state)
    const store = new UmaStore(state)
    const interest = await accrueInterest(store, config, timestamp)
    if (interest.length > 0) {
      const pools = new Map<number, Pool>()
      for (const a of interest) pools.set(a.assetId, (await store.pool(a.assetId))!)
      this.mirror.reprice(pools)
      this.touched.add(INSURANCE_FUND_ADDRESS)
    }
    return interest
  }

  /**
   * After the block's transactions, inside its state: settles expired options, re-reads the
   * accounts the block touched, re-margins what changed or moved, and liquidates every account
   * left with health < 0 (execution/margin/liquidate.ts).
   */
  async endOfBlock(state: StateManagerInterface, timestamp: bigint): Promise<EndOfBlock> {
    const settled = await settleExpired(state, this.env, timestamp)
    for (const s of settled) for (const a of s.accounts) this.touched.add(a)
    await this.mirror.refresh(state, this.touched)
    this.touched.clear()
    const config = await this.env.config(state)
    const prices = await this.env.prices(
      state,
      config.market.underlyings.map((u) => u.id),
    )
    const priced = marketAt(config, prices, timestamp, await readFundingIndexes(new UmaStore(state), config))
    const remargined = this.mirror.remargin(priced.state, priced.funding)
    const liquidation = await liquidateUnhealthy(state, this.mirror, priced, config)
    return { settled, remargined, priced, liquidation }
  }
}
