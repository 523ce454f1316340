import { MerkleStateManager } from '@ethereumjs/statemanager'
import { Account, createAddressFromString } from '@ethereumjs/util'
import { getAddress, type Hex } from 'viem'
import { beforeEach, describe, expect, it } from 'vitest'
import { GOVERNANCE_ADDRESS } from '../execution/precompiles/addresses.ts'
import { devGenesis } from './dev.ts'
import { readGovernedConfig, readGovernedConfigVersion, writeGovernedConfig } from './governedConfig.ts'
import { execute, listProposals, proposalCount, propose, readProposal, vote } from './proposals.ts'

const config = devGenesis().margin!.config
const [m0, m1, m2] = config.council.members
const outsider: Hex = '0x9999999999999999999999999999999999999999'
/** The dev genesis time plus one 250 ms block per block number (well before the dev expiries). */
const at = (caller: Hex, blockNumber: number) => ({ caller, blockNumber: BigInt(blockNumber), timestamp: 1_767_225_600n + BigInt(blockNumber) })
const HAIRCUT = '{"haircut":{"WETH":0.2}}'

let state: MerkleStateManager

beforeEach(async () => {
  state = new MerkleStateManager()
  await state.putAccount(createAddressFromString(GOVERNANCE_ADDRESS), new Account(1n, 0n))
  await writeGovernedConfig(state, config)
})

async function proposeOk(change = HAIRCUT, block = 1): Promise<bigint> {
  const r = await propose(state, at(m0, block), change)
  if (!r.ok) throw new Error(r.reason)
  return r.id
}

describe('proposals: the life of one', () => {
  it('voting → queued at quorum → refused until the timelock → executed once', async () => {
    const id = await proposeOk(HAIRCUT, 10)
    expect(id).toBe(1n)
    let p = (await readProposal(state, id))!
    expect(p).toMatchObject({ id: 1, proposer: getAddress(m0), change: HAIRCUT, yes: [], no: [], state: 'voting' })
    expect(p.executableAtBlock).toBeNull()

    expect(await vote(state, at(m1, 11), id, true)).toEqual({ ok: true, yes: 1, no: 0 })
    expect(await execute(state, at(outsider, 11), id)).toEqual({ ok: false, reason: 'no quorum' })
    expect(await vote(state, at(m2, 12), id, true)).toEqual({ ok: true, yes: 2, no: 0, queued: { executableAtBlock: 16n } })
    p = (await readProposal(state, id))!
    expect(p).toMatchObject({ state: 'queued', yes: [getAddress(m1), getAddress(m2)], queuedAtBlock: 12, executableAtBlock: 16 })

    expect(await execute(state, at(outsider, 15), id)).toEqual({ ok: false, reason: 'timelock' })
    expect((await readGovernedConfig(state))!.riskParams.haircut.WETH).toBe(0.1)
    expect(await execute(state, at(outsider, 16), id)).toEqual({ ok: true, version: 2n })
    expect((await readGovernedConfig(state))!.riskParams.haircut.WETH).toBe(0.2)
    expect((await readProposal(state, id))!).toMatchObject({ state: 'executed', executedAtBlock: 16 })
    expect(await execute(state, at(outsider, 17), id)).toEqual({ ok: false, reason: 'already executed' })
    expect(await readGovernedConfigVersion(state)).toBe(2n)
  })

  it('rejects once no-votes leave the quorum out of reach, and then refuses votes and execution', async () => {
    const id = await proposeOk()
    expect(await vote(state, at(m0, 2), id, false)).toEqual({ ok: true, yes: 0, no: 1 })
    expect(await vote(state, at(m1, 2), id, false)).toEqual({ ok: true, yes: 0, no: 2, rejected: true })
    expect((await readProposal(state, id))!).toMatchObject({ state: 'rejected', no: [getAddress(m0), getAddress(m1)] })
    expect(await vote(state, at(m2, 3), id, true)).toEqual({ ok: false, reason: 'voting closed' })
    expect(await execute(state, at(m2, 100), id)).toEqual({ ok: false, reason: 'no quorum' })
  })

  it('counts a yes and a no apart: one of each leaves the quorum reachable', async () => {
    const id = await proposeOk()
    await vote(state, at(m0, 2), id, true)
    expect(await vote(state, at(m1, 2), id, false)).toEqual({ ok: true, yes: 1, no: 1 })
    expect((await readProposal(state, id))!.state).toBe('voting')
  })
})

describe('proposals: refusals', () => {
  it('only the council proposes and votes; anyone may execute', async () => {
    expect(await propose(state, at(outsider, 1), HAIRCUT)).toEqual({ ok: false, reason: 'not council' })
    const id = await proposeOk()
    expect(await vote(state, at(outsider, 2), id, true)).toEqual({ ok: false, reason: 'not council' })
    await vote(state, at(m0, 2), id, true)
    await vote(state, at(m1, 2), id, true)
    expect((await execute(state, at(outsider, 6), id)).ok).toBe(true)
  })

  it('council addresses match whatever their case', async () => {
    const r = await propose(state, at(getAddress(m1), 1), HAIRCUT)
    expect(r.ok).toBe(true)
  })

  it('a member votes once', async () => {
    const id = await proposeOk()
    await vote(state, at(m0, 2), id, true)
    expect(await vote(state, at(m0, 2), id, false)).toEqual({ ok: false, reason: 'already voted' })
    await vote(state, at(m1, 2), id, true)
    // Queued now; a repeat voter still hears why.
    expect(await vote(state, at(m1, 3), id, true)).toEqual({ ok: false, reason: 'already voted' })
    expect(await vote(state, at(m2, 3), id, true)).toEqual({ ok: false, reason: 'voting closed' })
  })

  it('unknown ids are refused everywhere', async () => {
    expect(await vote(state, at(m0, 1), 1n, true)).toEqual({ ok: false, reason: 'unknown proposal' })
    expect(await execute(state, at(m0, 1), 0n)).toEqual({ ok: false, reason: 'unknown proposal' })
    expect(await readProposal(state, 7n)).toBeUndefined()
  })

  it('propose checks the change against the config in force, naming the parameter', async () => {
    expect(await propose(state, at(m0, 1), '{"haircut":{"WETH":0.99}}')).toEqual({
      ok: false,
      reason: 'haircut.WETH: must be in [0, 0.95]',
    })
    expect(await propose(state, at(m0, 1), '{"haircut": 0.2')).toMatchObject({ ok: false, reason: expect.stringMatching(/^malformed change: /) })
    expect(await proposalCount(state)).toBe(0n)
  })

  it('execute checks the change again against the config in force then', async () => {
    // Both proposals add the same protocol: the second can no longer apply once the first did.
    const change = '{"protocols":{"add":["0x1111111111111111111111111111111111111111"]}}'
    const a = await proposeOk(change)
    const b = await proposeOk(change)
    for (const id of [a, b]) for (const m of [m0, m1]) await vote(state, at(m, 2), id, true)
    expect((await execute(state, at(m0, 6), a)).ok).toBe(true)
    expect(await execute(state, at(m0, 6), b)).toEqual({
      ok: false,
      reason: 'protocols.add[0]: 0x1111111111111111111111111111111111111111 is already registered',
    })
    expect((await readProposal(state, b))!.state).toBe('queued')
  })

  it('refuses at propose, naming the parameter, a correlation that is not positive definite and a __proto__ key', async () => {
    expect(await propose(state, at(m0, 1), '{"es":{"correlation":{"ETH-BTC":1}}}')).toEqual({
      ok: false,
      reason: 'es.correlation: must be positive definite over ETH, BTC, ETHUSDC-LP (Cholesky pivot ≤ 1e-9 at BTC)',
    })
    expect(await propose(state, at(m0, 1), '{"__proto__":{"imMultiplier":1}}')).toEqual({ ok: false, reason: '__proto__: forbidden key' })
    expect(await proposalCount(state)).toBe(0n)
  })

  it("execute checks a new option's expiry against its own block's time", async () => {
    // Proposed at the genesis time + 1 s, expiring 20 s later; executed once that time has passed.
    const expiry = 1_767_225_600 + 21
    const id = await proposeOk(
      JSON.stringify({ instruments: { add: [{ id: 500, type: 'option', underlying: 'ETH', strike: 3000, expiry, kind: 'put' }] } }),
    )
    for (const m of [m0, m1]) await vote(state, at(m, 2), id, true)
    expect(await execute(state, at(m0, 30), id)).toEqual({
      ok: false,
      reason: `instruments.add[0].expiry: must be after the block's time (${1_767_225_600 + 30})`,
    })
    expect((await execute(state, at(m0, 20), id)).ok).toBe(true)
  })

  it('a council change governs the next proposals: quorum 3 needs three yes-votes', async () => {
    const id = await proposeOk('{"council":{"quorum":3,"timelockBlocks":0}}')
    await vote(state, at(m0, 2), id, true)
    await vote(state, at(m1, 2), id, true)
    expect((await execute(state, at(m0, 6), id)).ok).toBe(true)
    const next = await proposeOk(HAIRCUT, 7)
    await vote(state, at(m0, 7), next, true)
    expect(await vote(state, at(m1, 7), next, true)).toEqual({ ok: true, yes: 2, no: 0 })
    expect(await vote(state, at(m2, 7), next, true)).toEqual({ ok: true, yes: 3, no: 0, queued: { executableAtBlock: 7n } })
    expect((await execute(state, at(m0, 7), next)).ok).toBe(true)
  })
})

describe('proposals: listing and determinism', () => {
  it('lists every proposal by id', async () => {
    await proposeOk(HAIRCUT)
    await proposeOk('{"imMultiplier":1.4}')
    const list = await listProposals(state)
    expect(list.map((p) => [p.id, p.change, p.state])).toEqual([
      [1, HAIRCUT, 'voting'],
      [2, '{"imMultiplier":1.4}', 'voting'],
    ])
  })

  it('the same steps give the same state root', async () => {
    const run = async () => {
      const s = new MerkleStateManager()
      await s.putAccount(createAddressFromString(GOVERNANCE_ADDRESS), new Account(1n, 0n))
      await writeGovernedConfig(s, config)
      const r = await propose(s, at(m0, 1), HAIRCUT)
      if (!r.ok) throw new Error(r.reason)
      await vote(s, at(m0, 2), r.id, true)
      await vote(s, at(m2, 2), r.id, true)
      await execute(s, at(m1, 6), r.id)
      return Buffer.from(await s.getStateRoot()).toString('hex')
    }
    expect(await run()).toBe(await run())
  })
})
