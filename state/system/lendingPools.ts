/**
 * The lending pools (SPEC 6.2), one per asset, in the Margin precompile's storage: every positive
 * balance of an asset is supplied to its pool and every negative balance borrowed from it. A
 * balance is stored as scaled principal against the pool's supply index (positive) or borrow
 * index (negative), Aave-style, so interest accrues to every account at once by moving two
 * numbers, and `balanceOf`, `margin_getAccount` and the kernel read amounts with interest.
 *
 * Layout: slot 17, `mapping(uint32 assetId => Pool)`, five consecutive slots per pool:
 *   +0 supplyIndex (ray, 1e27 = 1.0)   +1 borrowIndex (ray)
 *   +2 scaledSupply (Σ positive scaled balances)   +3 scaledBorrow (Σ |negative| scaled balances)
 *   +4 lastAccrual (unix seconds of the block interest last accrued in)
 * A pool whose supply index is 0 does not exist: the asset's balances are plain wad amounts.
 *
 * Scaled balances carry 18 more decimals than amounts (`SCALE`), so converting an amount to
 * scaled and back returns it exactly at any index below 10^18 × RAY, and the rounding rule is
 * one: a credit's scaled principal rounds up and its amount down, a debt's principal down and
 * its amount up — reading never shows more than was credited nor less than is owed.
 */
import { ceilDiv, floorDiv } from '../../lib/fixed.ts'
import { type ContractStorage, mappingSlot } from '../contractStorage.ts'

/** 1.0 as an index. */
export const RAY = 10n ** 27n
/** Extra precision of scaled balances over amounts. */
export const SCALE = 10n ** 18n
const K = SCALE * RAY

const S_POOLS = 17n

export interface Pool {
  supplyIndex: bigint
  borrowIndex: bigint
  scaledSupply: bigint
  scaledBorrow: bigint
  lastAccrual: bigint
}

/** A pool as genesis opens it: indexes at 1.0, empty, accrued at `timestamp`. */
export function newPool(timestamp: bigint): Pool {
  return { supplyIndex: RAY, borrowIndex: RAY, scaledSupply: 0n, scaledBorrow: 0n, lastAccrual: timestamp }
}

/** The stored (scaled) form of a signed amount. */
export function toScaled(amount: bigint, pool: Pool): bigint {
  if (amount >= 0n) return ceilDiv(amount * K, pool.supplyIndex)
  return -floorDiv(-amount * K, pool.borrowIndex)
}

/** The amount a stored (scaled) balance is worth now. */
export function fromScaled(scaled: bigint, pool: Pool): bigint {
  if (scaled >= 0n) return floorDiv(scaled * pool.supplyIndex, K)
  return -ceilDiv(-scaled * pool.borrowIndex, K)
}

/** Σ positive balances, rounded down. */
export function suppliedOf(pool: Pool): bigint {
  return floorDiv(pool.scaledSupply * pool.supplyIndex, K)
}

/** Σ |negative balances|, rounded up. */
export function borrowedOf(pool: Pool): bigint {
  return ceilDiv(pool.scaledBorrow * pool.borrowIndex, K)
}

/** What the pool holds unlent: supplied − borrowed (SPEC 6.2 keeps it ≥ 0). */
export function cashOf(pool: Pool): bigint {
  return suppliedOf(pool) - borrowedOf(pool)
}

/** The supply index that credits `amount` more to `scaledSupply`'s holders, rounded down. */
export function supplyIndexAfter(pool: Pool, amount: bigint): bigint {
  return pool.scaledSupply === 0n ? pool.supplyIndex : pool.supplyIndex + floorDiv(amount * K, pool.scaledSupply)
}

/** Reads and writes pools in the Margin precompile's storage. */
export class LendingPools {
  constructor(private readonly s: ContractStorage) {}

  async get(assetId: number): Promise<Pool | undefined> {
    const base = mappingSlot(S_POOLS, assetId)
    const supplyIndex = await this.s.word(base)
    if (supplyIndex === 0n) return undefined
    return {
      supplyIndex,
      borrowIndex: await this.s.word(base + 1n),
      scaledSupply: await this.s.word(base + 2n),
      scaledBorrow: await this.s.word(base + 3n),
      lastAccrual: await this.s.word(base + 4n),
    }
  }

  async set(assetId: number, pool: Pool): Promise<void> {
    const base = mappingSlot(S_POOLS, assetId)
    await this.s.setWord(base, pool.supplyIndex)
    await this.s.setWord(base + 1n, pool.borrowIndex)
    await this.s.setWord(base + 2n, pool.scaledSupply)
    await this.s.setWord(base + 3n, pool.scaledBorrow)
    await this.s.setWord(base + 4n, pool.lastAccrual)
  }

  /** Writes only the two totals (a balance changed). */
  async setTotals(assetId: number, pool: Pool): Promise<void> {
    const base = mappingSlot(S_POOLS, assetId)
    await this.s.setWord(base + 2n, pool.scaledSupply)
    await this.s.setWord(base + 3n, pool.scaledBorrow)
  }
}
