import pino from 'pino'
import { describe, expect, it } from 'vitest'
import type { ChainEvents, GovernanceApi, LiquidationView, MarginApi } from '../chain/types.ts'
import { InvalidPortfolioError } from '../risk/index.ts'
import type { BlockTag, Hex, StoredLog } from '../state/types.ts'
import { InvalidParamsError } from './errors.ts'
import { MAX_PORTFOLIO_BYTES, marginMethods, marginSubscriptions } from './margin.ts'
import type { RpcContext } from './types.ts'

const A = `0x${'aa'.repeat(20)}` as Hex
const B = `0x${'bb'.repeat(20)}` as Hex

/** TEST DOUBLE: a MarginApi that counts the reports it computes; `release` lets the next one finish. */
class CountingMarginApi implements Partial<MarginApi> {
  reports: [Hex, BlockTag][] = []
  gate?: Promise<void>
  async getRiskReport(address: Hex, tag: BlockTag) {
    await this.gate
    this.reports.push([address, tag])
    return { equity: '1', health: '1' }
  }
  async liquidationsIn(logs: StoredLog[]): Promise<LiquidationView[]> {
    return logs.map((l) => ({ account: l.address }) as unknown as LiquidationView)
  }
  async simulate(portfolio: unknown) {
    if ((portfolio as { bad?: boolean }).bad)
      throw new InvalidPortfolioError({ field: 'positions[0].size', reason: 'not a decimal amount' })
    return { ok: true }
  }
}

function hub() {
  const listeners = new Set<(...args: any[]) => unknown>()
  const ctx = {
    events: {
      on: <E extends keyof ChainEvents>(_e: E, fn: ChainEvents[E]) => void listeners.add(fn),
      off: <E extends keyof ChainEvents>(_e: E, fn: ChainEvents[E]) => void listeners.delete(fn),
    },
    logger: pino({ level: 'silent' }),
  } as unknown as RpcContext
  const block = (n: bigint, logs: StoredLog[] = []) => {
    for (const fn of listeners) fn({ header: { number: n } }, [{ logs }])
  }
  return { ctx, listeners, block }
}

const settle = () => new Promise((r) => setTimeout(r, 10))

describe('marginHealth', () => {
  it("computes an account's report once per block however many subscribe", async () => {
    const api = new CountingMarginApi()
    const { marginHealth } = marginSubscriptions(api as unknown as MarginApi)
    const { ctx, listeners, block } = hub()
    const got = new Map<Hex, unknown[]>([
      [A, []],
      [B, []],
    ])
    const stops = []
    for (let i = 0; i < 3000; i++) stops.push(await marginHealth([A], ctx, (r) => got.get(A)!.push(r)))
    stops.push(await marginHealth([B.toUpperCase().replace('0X', '0x')], ctx, (r) => got.get(B)!.push(r)))
    expect(listeners.size).toBe(1)
    block(7n, [{ address: B } as StoredLog])
    await settle()
    expect(api.reports).toEqual([
      [A, 7n],
      [B, 7n],
    ])
    expect(got.get(A)).toHaveLength(3000)
    expect(new Set(got.get(A)).size).toBe(1)
    expect(got.get(A)![0]).toEqual({ blockNumber: '0x7', address: A, equity: '1', health: '1', liquidations: [] })
    expect(got.get(B)![0]).toMatchObject({ address: B, liquidations: [{ account: B }] })
    for (const stop of stops) stop()
    expect(listeners.size).toBe(0)
  })

  it('blocks that come during a slow round wait as one: the newest, with the liquidations of all', async () => {
    const api = new CountingMarginApi()
    const { marginHealth } = marginSubscriptions(api as unknown as MarginApi)
    const { ctx, block } = hub()
    const got: any[] = []
    await marginHealth([A], ctx, (r) => got.push(r))
    let release!: () => void
    api.gate = new Promise<void>((r) => (release = r))
    block(1n)
    block(2n, [{ address: A } as StoredLog])
    block(3n, [{ address: A } as StoredLog])
    release()
    await settle()
    expect(api.reports.map(([, n]) => n)).toEqual([1n, 3n])
    expect(got.map((r) => [r.blockNumber, r.liquidations.length])).toEqual([
      ['0x1', 0],
      ['0x3', 2],
    ])
  })
})

describe('margin_simulate bounds', () => {
  const methods = marginMethods(new CountingMarginApi() as unknown as MarginApi, {} as GovernanceApi)
  const refusal = async (params: unknown[]) => {
    const err = await Promise.resolve()
      .then(() => methods.margin_simulate(params, {} as RpcContext))
      .catch((e) => e)
    expect(err).toBeInstanceOf(InvalidParamsError)
    return (err as InvalidParamsError).shortMessage
  }

  it('refuses a portfolio over 64 KiB of JSON before resolving it, naming the limit', async () => {
    const positions = Array.from({ length: 20_000 }, (_, i) => ({
      instrument: { type: 'option', underlying: 'ETH', strike: 1000 + i, expiry: 1_800_000_000, kind: 'call' },
      size: '1',
    }))
    expect(await refusal([{ positions }])).toMatch(
      new RegExp(`^invalid argument 0: portfolio too large: \\d+ bytes of JSON, the limit is ${MAX_PORTFOLIO_BYTES}$`),
    )
  })

  it("names the argument and the field of the kernel's refusals", async () => {
    expect(await refusal([{ bad: true }])).toBe('invalid argument 0: positions[0].size: not a decimal amount')
    expect(await methods.margin_simulate([{ positions: [] }], {} as RpcContext)).toEqual({ ok: true })
  })
})
