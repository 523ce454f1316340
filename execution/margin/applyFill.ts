/**
 * A fill on one side of a trade: the new size and entry price, and the P&L realised when a perp
 * position is reduced (SPEC section 4: "perps record entry price"; issue 5: size-weighted when
 * adding, realised P&L into USDC when reducing). All values wad; divisions round toward zero.
 */
import { WAD } from '../../lib/fixed.ts'

export interface Fill {
  size: bigint
  entryPrice: bigint
  /** USDC to add to the account (negative: a loss). Always 0 when not realising. */
  realizedPnl: bigint
}

const sign = (x: bigint) => (x > 0n ? 1n : x < 0n ? -1n : 0n)
const abs = (x: bigint) => (x < 0n ? -x : x)

/**
 * Applies a signed fill `q` at `price` to a position of `size` at `entryPrice`.
 *
 * @param realize realise P&L on reduction (perps); options keep the entry as information only
 *   (their premium changed hands at the trade)
 * @example applyFill(5n * WAD, 3000n * WAD, -2n * WAD, 3100n * WAD, true).realizedPnl // 200 USDC
 */
export function applyFill(size: bigint, entryPrice: bigint, q: bigint, price: bigint, realize: boolean): Fill {
  if (q === 0n) return { size, entryPrice, realizedPnl: 0n }
  if (size === 0n || sign(size) === sign(q)) {
    const next = size + q
    return { size: next, entryPrice: (size * entryPrice + q * price) / next, realizedPnl: 0n }
  }
  const closing = abs(q) <= abs(size) ? q : -size
  const realizedPnl = realize ? (-closing * (price - entryPrice)) / WAD : 0n
  const next = size + q
  if (next === 0n) return { size: 0n, entryPrice: 0n, realizedPnl }
  if (sign(next) !== sign(size)) return { size: next, entryPrice: price, realizedPnl }
  return { size: next, entryPrice, realizedPnl }
}
