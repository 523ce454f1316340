/**
 * The end-of-block liquidation (SPEC section 6, last paragraph; issue 6): the execution half.
 * The choice is pure (`planLiquidation` in risk/liquidation.ts); this file applies it
 * to state, inside the block's checkpoint, as trades with the insurance fund at mark:
 *
 * - a position closure moves the closed size to the fund at the mark price (`settleFill`, the
 *   same booking as `settleTrade`: perps realise P&L, options pay their premium);
 * - a collateral sale moves the collateral to the fund and the repaid asset back at mark;
 * - a perp closure first settles the position's funding (SPEC 6.3; `FundingPaid`, the account's
 *   and the fund's side);
 * - each closure's penalty moves from the account to the fund in the settlement asset;
 * - an account left with no position and equity < 0 has its negative balances paid by the
 *   fund (`BadDebt`).
 *
 * Every closure emits `Liquidation(account, instrumentId, sizeClosed, price, penalty)`; a
 * collateral sale names the asset sold as `COLLATERAL_FLAG + assetId` and `sizeClosed` is the
 * amount sold. The logs go into the receipt of the block's last, system, transaction.
 *
 * Skipped: the insurance fund itself, an account whose figures (rounded to wad) are not
 * liquidatable, and an account that holds anything on an underlying with a stale price (its
 * liquidation waits for a fresh one).
 */
import type { StateManagerInterface } from '@ethereumjs/common'
import { encodeFunctionData, type Hex, hexToBytes } from 'viem'
import { isStoreFailure } from '../../lib/errors.ts'
import { figureToWad, numberToWad, WAD } from '../../lib/fixed.ts'
import { planLiquidation } from '../../risk/index.ts'
import { INSURANCE_FUND_ADDRESS, MARGIN_ADDRESS } from '../../state/system/addresses.ts'
import type { GovernedConfig } from '../../state/system/types.ts'
import { type Holdings, UmaStore } from '../../state/system/umaStore.ts'
import { encodeLog } from '../eventLog.ts'
import { internalRevertReason } from '../precompiles/definePrecompile.ts'
import { MARGIN_ABI } from '../precompiles/margin.ts'
import { type SystemLog, SystemTransaction } from '../system/systemTx.ts'
import { holdingsToEntries, underlyingsOf } from './accountMargin.ts'
import type { MarginMirror } from './marginMirror.ts'
import type { PricedMarket } from './marketAt.ts'
import { settleFill, settlementAssetOf } from './settleFill.ts'

/** Marks a `Liquidation` event's `instrumentId` as a collateral asset id (a sale to repay debt). */
export const COLLATERAL_FLAG = 0x8000_0000

/** One closure as applied (wad). */
export interface AppliedClosure {
  /** Instrument id, or `COLLATERAL_FLAG + assetId` for collateral sold. */
  instrumentId: number
  /** Signed size removed from the account (collateral: amount sold, > 0). */
  sizeClosed: bigint
  price: bigint
  penalty: bigint
}

/** What liquidation did to one account. */
export interface AccountLiquidation {
  account: Hex
  closures: AppliedClosure[]
  /** USD (wad) the fund paid to cover the account's negative balances; 0 when none. */
  badDebt: bigint
}

/** What one end-of-block liquidation pass did. */
export interface LiquidationPass {
  liquidated: AccountLiquidation[]
  /** Unhealthy accounts left alone because a price they depend on is stale. */
  waitingOnStalePrice: Hex[]
  /** Accounts whose liquidation threw and was rolled back (contained; each with the reason). */
  failed: { account: Hex; reason: string }[]
  /** The events, in order, for the block's system transaction. */
  logs: SystemLog[]
}

const abs = (x: bigint) => (x < 0n ? -x : x)

/**
 * The wad amount a planned float closure of a `held` wad amount (same sign) takes: all of it
 * when the plan takes (about) all of it — the float of a wad does not convert back exactly, and
 * a whole closure must leave exactly 0 — else the plan's amount (partial closures are whole
 * multiples of the plan's size step, exact in wad).
 */
function closedAmount(held: bigint, planned: number): bigint {
  const want = numberToWad(planned)
  const tolerance = abs(held) / 1_000_000_000n + 1_000n
  return abs(want) >= abs(held) || abs(held - want) <= tolerance ? held : want
}

/**
 * Liquidates every account the mirror's last re-margin found with health < 0. Re-reads and
 * re-margins what it changed before returning, so the mirror ends the block current.
 */
export async function liquidateUnhealthy(
  state: StateManagerInterface,
  mirror: MarginMirror,
  priced: PricedMarket,
  config: GovernedConfig,
): Promise<LiquidationPass> {
  const pass: LiquidationPass = { liquidated: [], waitingOnStalePrice: [], failed: [], logs: [] }
  const unhealthy = mirror.unhealthy().filter((h) => h.account !== INSURANCE_FUND_ADDRESS)
  if (unhealthy.length === 0) return pass
  const settlement = settlementAssetOf(config)
  if (settlement === undefined) return pass
  const settlementItem = priced.state.itemByAssetId.get(settlement.id)
  if (settlementItem === undefined) return pass
  const store = new UmaStore(state)
  const fund = INSURANCE_FUND_ADDRESS
  const touched = new Set<Hex>()

  for (const { account } of unhealthy) {
    const holdings = mirror.holdingsOf(account)!
    if ([...underlyingsOf(holdings, priced.state)].some((u) => priced.stale.has(u))) {
      pass.waitingOnStalePrice.push(account)
      continue
    }
    // Each account in its own checkpoint: one whose liquidation throws (figures out of range, a
    // bug) is rolled back and reported, and the others are still liquidated.
    await state.checkpoint()
    let out: { done: AccountLiquidation; logs: SystemLog[] } | undefined
    try {
      out = await liquidateOne(store, account, holdings, priced, config, settlementItem)
      await state.commit()
    } catch (err) {
      await state.revert()
      if (isStoreFailure(err)) throw err
      pass.failed.push({ account, reason: internalRevertReason(err) })
      continue
    }
    if (out === undefined) continue
    pass.logs.push(...out.logs)
    if (out.done.closures.length > 0 || out.done.badDebt > 0n) {
      pass.liquidated.push(out.done)
      touched.add(account)
      touched.add(fund)
    }
  }
  if (touched.size > 0) {
    await mirror.refresh(state, touched)
    mirror.remargin(priced.state, priced.funding)
  }
  return pass
}

/**
 * Liquidates one unhealthy account (its prices fresh): the plan's closures as trades with the
 * fund, their penalties, then bad debt. Undefined when the stored figures say it is healthy.
 */
async function liquidateOne(
  store: UmaStore,
  account: Hex,
  holdings: Holdings,
  priced: PricedMarket,
  config: GovernedConfig,
  settlementItem: number,
): Promise<{ done: AccountLiquidation; logs: SystemLog[] } | undefined> {
  const fund = INSURANCE_FUND_ADDRESS
  const settlementId = priced.state.items[settlementItem].id
  const logs: SystemLog[] = []
  const plan = planLiquidation(priced.state, holdingsToEntries(holdings, priced.state, priced.funding), settlementItem)
  // Decided on the figures the chain stores (wad), like `isLiquidatable`: never a healthy account.
  if (figureToWad(plan.equityBefore, 'equity') >= figureToWad(plan.maintenanceBefore, 'maintenance margin')) return undefined
  const done: AccountLiquidation = { account, closures: [], badDebt: 0n }
  for (const c of plan.closures) {
    const item = priced.state.items[c.item]
    const price = numberToWad(c.price)
    const penalty = numberToWad(c.penalty)
    let applied: AppliedClosure
    if (c.kind === 'position' && item.type !== 'asset') {
      const pos = await store.position(account, item.id)
      if (pos.size === 0n) continue
      const closed = closedAmount(pos.size, c.size)
      const long = closed > 0n
      const funding = await settleFill(
        store,
        {
          buyer: long ? fund : account,
          seller: long ? account : fund,
          instrumentId: item.id,
          isOption: item.type === 'option',
          size: abs(closed),
          price,
        },
        settlementId,
        config,
        // A closure at the index is no venue's price: it leaves the mark (SPEC 6.3) alone.
        { timestamp: BigInt(priced.state.nowSeconds), marksPrice: false },
      )
      for (const paid of funding) {
        if (paid.amount !== 0n) logs.push(encodeLog(MARGIN_ABI, MARGIN_ADDRESS, 'FundingPaid', { ...paid }))
      }
      applied = { instrumentId: item.id, sizeClosed: closed, price, penalty }
    } else if (c.kind === 'position') {
      // The full-close fallback trades an asset balance into the settlement asset at mark:
      // collateral sold (> 0) or a borrowing bought back (< 0).
      const held = await store.balance(account, item.id)
      if (held === 0n) continue
      const amount = closedAmount(held, c.size)
      await move(store, account, fund, item.id, amount)
      await move(store, fund, account, settlementId, (amount * price) / WAD)
      applied = { instrumentId: COLLATERAL_FLAG + item.id, sizeClosed: amount, price, penalty }
    } else {
      const debtAsset = priced.state.items[c.debtItem!].id
      const have = await store.balance(account, item.id)
      const owe = await store.balance(account, debtAsset)
      if (have <= 0n || owe >= 0n) continue
      const sold = closedAmount(have, c.size)
      const repaid = closedAmount(-owe, c.repaid!)
      await move(store, account, fund, item.id, sold)
      await move(store, fund, account, debtAsset, repaid)
      applied = { instrumentId: COLLATERAL_FLAG + item.id, sizeClosed: sold, price, penalty }
    }
    if (penalty > 0n) await move(store, account, fund, settlementId, penalty)
    done.closures.push(applied)
    logs.push(encodeLog(MARGIN_ABI, MARGIN_ADDRESS, 'Liquidation', { account, ...applied }))
  }
  if (plan.badDebt > 0) done.badDebt = await absorbBadDebt(store, account, priced)
  if (done.badDebt > 0n) logs.push(encodeLog(MARGIN_ABI, MARGIN_ADDRESS, 'BadDebt', { account, amount: done.badDebt }))
  return { done, logs }
}

/** Moves `amount` (wad, either sign) of an asset from one account to another. */
async function move(store: UmaStore, from: Hex, to: Hex, assetId: number, amount: bigint): Promise<void> {
  await store.addBalance(from, assetId, -amount)
  await store.addBalance(to, assetId, amount)
}

/**
 * The fund pays every negative balance of an account left with no position; returns their USD
 * value at mark (wad), 0 when the account still holds a position (not fully closed).
 */
async function absorbBadDebt(store: UmaStore, account: Hex, priced: PricedMarket): Promise<bigint> {
  const h = await store.holdings(account)
  if (h.positions.some((p) => p.size !== 0n)) return 0n
  let usd = 0n
  for (const b of h.balances) {
    if (b.amount >= 0n) continue
    const item = priced.state.itemByAssetId.get(b.assetId)
    const mark = item === undefined ? WAD : numberToWad(priced.state.itemMark[item])
    usd += (-b.amount * mark) / WAD
    await store.addBalance(INSURANCE_FUND_ADDRESS, b.assetId, b.amount)
    await store.setBalance(account, b.assetId, 0n)
  }
  return usd
}

const LIQUIDATE_ABI = [
  { type: 'function', name: 'liquidate', stateMutability: 'nonpayable', inputs: [{ name: 'accounts', type: 'address[]' }], outputs: [] },
] as const

/** The system transaction that records a pass in block `blockNumber` (its input names the accounts). */
export function liquidationSystemTx(blockNumber: bigint, pass: LiquidationPass): SystemTransaction {
  const data = encodeFunctionData({ abi: LIQUIDATE_ABI, functionName: 'liquidate', args: [pass.liquidated.map((l) => l.account)] })
  return new SystemTransaction(blockNumber, MARGIN_ADDRESS, hexToBytes(data))
}
