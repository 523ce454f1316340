import { describe, expect, it } from 'vitest'
import { attribute, type TradeEvent } from './attribution.ts'

const me = '0x00000000000000000000000000000000000000aa'
const other = '0x00000000000000000000000000000000000000bb'
const OPTIONS = '0x0000000000000000000000000000000000000b01'
const PERPS = '0x0000000000000000000000000000000000000b02'
const W = 10n ** 18n
let n = 0
const trade = (instrumentId: number, size: bigint, protocol: string, buy = true): TradeEvent => ({
  blockNumber: ++n,
  logIndex: 0,
  buyer: buy ? me : other,
  seller: buy ? other : me,
  instrumentId,
  size,
  protocol,
})

describe('attribute: positions by the protocol that opened them', () => {
  it('names the opening venue and each venue\'s net fills', () => {
    const a = attribute(me, [trade(5, 10n * W, OPTIONS), trade(1, 5n * W, PERPS, false), trade(5, 2n * W, PERPS)], [])
    expect(a.get(5)).toMatchObject({ opener: OPTIONS, replayed: 12n * W })
    expect([...a.get(5)!.byProtocol]).toEqual([[OPTIONS, 10n * W], [PERPS, 2n * W]])
    expect(a.get(1)).toMatchObject({ opener: PERPS, replayed: -5n * W })
  })

  it('a flip through zero is opened by the venue that flipped it; a close leaves no opener', () => {
    const a = attribute(me, [trade(1, 3n * W, OPTIONS), trade(1, 5n * W, PERPS, false)], [])
    expect(a.get(1)).toMatchObject({ opener: PERPS, replayed: -2n * W })
    const closed = attribute(me, [trade(1, 3n * W, OPTIONS), trade(1, 3n * W, PERPS, false)], [])
    expect(closed.get(1)).toMatchObject({ opener: null, replayed: 0n })
  })

  it('counts liquidations, in chain order, and ignores others\' and self-trades', () => {
    const t1 = trade(7, 4n * W, OPTIONS)
    const self = { ...trade(7, 9n * W, PERPS), seller: me }
    const theirs = { ...trade(7, 9n * W, PERPS), buyer: other }
    const liq = { blockNumber: n + 1, logIndex: 3, instrumentId: 7, sizeClosed: 1n * W }
    const a = attribute(me, [theirs, self, t1], [liq])
    expect(a.get(7)).toMatchObject({ opener: OPTIONS, replayed: 3n * W })
    const all = attribute(me, [t1], [{ ...liq, sizeClosed: 4n * W }])
    expect(all.get(7)).toMatchObject({ opener: null, replayed: 0n })
  })
})
