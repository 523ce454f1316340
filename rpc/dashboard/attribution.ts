/**
 * Which protocol opened each of an account's positions. The UMA keeps one net position per
 * instrument whatever venue traded it; the Margin precompile's `Trade` events name the
 * protocol of every fill. Replaying the account's fills (and the liquidations that closed part
 * of a position, which are no fill) in chain order gives, per instrument, the protocol of the
 * fill that took the position from flat (or through zero) to where it stands, and what each
 * protocol's fills add up to. A read-side view only: nothing on chain depends on it.
 */

/** One `Trade` event of the Margin precompile, decoded. */
export interface TradeEvent {
  blockNumber: number
  logIndex: number
  buyer: string
  seller: string
  instrumentId: number
  /** Wad (18 decimals). */
  size: bigint
  protocol: string
}

/** One `Liquidation` of a position (not collateral), as `margin_getLiquidations` lists it. */
export interface ClosureEvent {
  blockNumber: number
  logIndex: number
  instrumentId: number
  /** Signed wad removed from the account (> 0: a long was closed). */
  sizeClosed: bigint
}

/** Per instrument: who opened the position as it stands, and each protocol's net fills. */
export interface Attribution {
  /** The protocol whose fill opened the current position, or null when no fill explains it. */
  opener: string | null
  /** Net signed size (wad) of the account's fills per protocol, in first-trade order. */
  byProtocol: Map<string, bigint>
  /** The position the replay reaches (wad); differs from the account's when fills fall outside the scanned blocks. */
  replayed: bigint
}

/**
 * Replays `trades` and `closures` of `account` in (block, log index) order.
 *
 * @example attribute('0xabc…', trades, []).get(3)?.opener // '0x…0b01'
 */
export function attribute(account: string, trades: TradeEvent[], closures: ClosureEvent[]): Map<number, Attribution> {
  const me = account.toLowerCase()
  type Step = { blockNumber: number; logIndex: number; instrumentId: number; delta: bigint; protocol: string | null }
  const steps: Step[] = []
  for (const t of trades) {
    const buy = t.buyer.toLowerCase() === me
    const sell = t.seller.toLowerCase() === me
    if (buy === sell) continue // not this account's, or a trade with itself (no change)
    steps.push({ ...t, delta: buy ? t.size : -t.size, protocol: t.protocol.toLowerCase() })
  }
  for (const c of closures) steps.push({ ...c, delta: -c.sizeClosed, protocol: null })
  steps.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex)

  const out = new Map<number, Attribution>()
  for (const s of steps) {
    let a = out.get(s.instrumentId)
    if (!a) {
      a = { opener: null, byProtocol: new Map(), replayed: 0n }
      out.set(s.instrumentId, a)
    }
    const before = a.replayed
    const after = before + s.delta
    if (s.protocol !== null) {
      a.byProtocol.set(s.protocol, (a.byProtocol.get(s.protocol) ?? 0n) + s.delta)
      const opens = after !== 0n && (before === 0n || before > 0n !== after > 0n)
      if (opens) a.opener = s.protocol
    }
    if (after === 0n) a.opener = null
    a.replayed = after
  }
  return out
}
