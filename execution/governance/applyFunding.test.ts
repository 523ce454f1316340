import { describe, expect, it } from 'vitest'
import { devGenesis } from '../../genesis/dev.ts'
import { applyChange } from './applyChange.ts'

const NOW = { timestamp: 1_767_225_600n }
const apply = (change: unknown) => applyChange(devGenesis().margin!.config, JSON.stringify(change), NOW)

describe('applyChange: funding (SPEC 6.3, 7)', () => {
  it('starts at the dev defaults and patches either member', () => {
    expect(devGenesis().margin!.config.funding).toEqual({ intervalSeconds: 3600, maxRate: 0.0005 })
    const r = apply({ funding: { maxRate: 0.001 } })
    expect(r.ok && r.config.funding).toEqual({ intervalSeconds: 3600, maxRate: 0.001 })
    const r2 = apply({ funding: { intervalSeconds: 60, maxRate: 0 }, imMultiplier: 1.5 })
    expect(r2.ok && r2.config.funding).toEqual({ intervalSeconds: 60, maxRate: 0 })
  })

  it.each([
    [{ intervalSeconds: 59 }, 'funding.intervalSeconds: must be an integer in [60, 86400]'],
    [{ intervalSeconds: 86_401 }, 'funding.intervalSeconds: must be an integer in [60, 86400]'],
    [{ intervalSeconds: 90.5 }, 'funding.intervalSeconds: must be an integer in [60, 86400]'],
    [{ maxRate: -0.0001 }, 'funding.maxRate: must be in [0, 0.05]'],
    [{ maxRate: 0.06 }, 'funding.maxRate: must be in [0, 0.05]'],
    [{ maxRate: '0.01' }, 'funding.maxRate: must be in [0, 0.05]'],
    [{ rate: 0.01 }, 'funding.rate: unknown field'],
    [{}, 'funding: must have intervalSeconds or maxRate'],
    [5, 'funding: must be an object { intervalSeconds, maxRate }'],
  ])('refuses %j naming the parameter', (patch, reason) => {
    const r = apply({ funding: patch })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.reason).toBe(reason)
  })
})
