import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { type Address, parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devAccount, startTestL1, type TestL1 } from '../test/support/l1Fixture.ts'
import { createMemoryBridgeStore } from './bridgeStore.ts'
import { createDepositWatcher, type DepositSink, type WatchedSource } from './depositWatcher.ts'
import { createViemL1Client, type L1Client } from './l1Client.ts'
import { createLevelBridgeStore } from './levelBridgeStore.ts'
import type { FinalDeposit, Finality } from './types.ts'

const alice = devAccount(1).address
const bob = devAccount(2).address

/** A sink that records every call. */
function recordingSink(): DepositSink & { calls: FinalDeposit[][]; all(): FinalDeposit[] } {
  const calls: FinalDeposit[][] = []
  return {
    calls,
    all: () => calls.flat(),
    async credit(deposits) {
      calls.push(deposits)
      return { l2Block: BigInt(calls.length) }
    },
  }
}

/** An L1Client that can be switched off, as an RPC outage. */
function switchable(inner: L1Client): L1Client & { down: boolean } {
  const c = { down: false } as L1Client & { down: boolean }
  for (const k of Object.keys(inner) as (keyof L1Client)[]) {
    ;(c as unknown as Record<string, unknown>)[k] = (...args: unknown[]) => {
      if (c.down) return Promise.reject(new Error('ECONNREFUSED (test outage)'))
      return (inner[k] as (...a: unknown[]) => unknown)(...args)
    }
  }
  return c
}

let l1: TestL1
beforeAll(async () => {
  l1 = await startTestL1()
})
afterAll(async () => {
  await l1?.stop()
})

function source(portal: Address, finality: Finality, startBlock = l1.dep.portalBlock): WatchedSource {
  return {
    config: { chainId: l1.dep.l1ChainId, portal, finality, startBlock },
    client: createViemL1Client({ url: l1.anvil.url, pollingIntervalMs: 50 }),
  }
}

async function freshPortal() {
  return (await l1.deployPortal()).portal
}

describe('DepositWatcher (Anvil, safe = latest-2, finalized = latest-4)', () => {
  it('keeps ERC-20 and ETH deposits pending until their block is finalized, then credits each once in id order', async () => {
    const portal = await freshPortal()
    const sink = recordingSink()
    const w = await createDepositWatcher({
      sources: [source(portal, 'finalized')],
      store: createMemoryBridgeStore(),
      sink,
    })
    const b1 = await l1.depositERC20({ from: 1, to: alice, token: l1.dep.tokens.USDC, amount: 250_000_000n, portal })
    const b2 = await l1.depositETH({ from: 2, to: bob, wei: parseEther('1.5'), portal })
    await w.syncOnce()
    expect(w.deposits().map((d) => [d.depositId, d.status])).toEqual([
      [1n, 'pending'],
      [2n, 'pending'],
    ])
    expect(w.deposits(alice)).toHaveLength(1)
    expect(w.deposits(alice)[0]).toMatchObject({ token: l1.dep.tokens.USDC, amountL1: 250_000_000n, l1Block: b1 })
    expect(sink.calls).toHaveLength(0)

    // b1 final but not b2: only deposit 1.
    const latest = await l1.pub.getBlockNumber()
    await l1.mine(Number(b1 + 4n - latest))
    await w.syncOnce()
    expect(w.status()[0].l1Finalized).toBe(b1)
    expect(sink.all().map((d) => d.depositId)).toEqual([1n])
    expect(w.deposits(bob)[0].status).toBe('pending')

    await l1.mine(4)
    await w.syncOnce()
    await w.syncOnce()
    await l1.mine(3)
    await w.syncOnce()
    expect(sink.all().map((d) => d.depositId)).toEqual([1n, 2n])
    expect(sink.all()[1]).toMatchObject({
      token: '0x0000000000000000000000000000000000000000',
      amountL1: parseEther('1.5'),
      l2Recipient: bob,
      l1Block: b2,
      portal,
      sourceChainId: l1.dep.l1ChainId,
    })
    expect(w.deposits().map((d) => d.status)).toEqual(['credited', 'credited'])
    expect(w.deposits(bob)[0].l2Block).toBe(2n)
    expect(w.status()[0]).toMatchObject({ lastCreditedDepositId: 2n, pendingCount: 0, l1Up: true })
  })

  it('drops a deposit whose block is reorged away and never credits it; picks up the new chain', async () => {
    const portal = await freshPortal()
    const sink = recordingSink()
    const w = await createDepositWatcher({
      sources: [source(portal, 'finalized')],
      store: createMemoryBridgeStore(),
      sink,
    })
    await l1.mine(1)
    const snap = await l1.rpc<string>('evm_snapshot')
    const gone = await l1.depositETH({ from: 1, to: alice, wei: parseEther('7'), portal })
    await w.syncOnce()
    expect(w.deposits(alice)).toMatchObject([{ depositId: 1n, status: 'pending', l1Block: gone }])

    expect(await l1.rpc('evm_revert', [snap])).toBe(true)
    await l1.mine(2) // other contents at the reorged heights
    const kept = await l1.depositETH({ from: 2, to: bob, wei: parseEther('0.25'), portal })
    await w.syncOnce()
    expect(w.deposits(alice)).toMatchObject([{ depositId: 1n, status: 'dropped' }])
    expect(w.deposits(bob)).toMatchObject([{ depositId: 1n, status: 'pending', l1Block: kept }])

    await l1.mine(6)
    await w.syncOnce()
    await w.syncOnce()
    expect(sink.all()).toHaveLength(1)
    expect(sink.all()[0]).toMatchObject({ depositId: 1n, l2Recipient: bob, amountL1: parseEther('0.25') })
    expect(w.deposits(alice)[0].status).toBe('dropped')
  })

  it('rewinds only to the newest checkpoint still canonical, not to the start', async () => {
    const portal = await freshPortal()
    const src = source(portal, 'finalized')
    const ranges: [bigint, bigint][] = []
    const inner = src.client
    const client: L1Client = {
      ...inner,
      getDepositLogs: (p, from, to) => {
        ranges.push([from, to])
        return inner.getDepositLogs(p, from, to)
      },
    }
    const w = await createDepositWatcher({
      sources: [{ ...src, client }],
      store: createMemoryBridgeStore(),
      sink: recordingSink(),
    })
    await l1.mine(2)
    await w.syncOnce()
    const anchor = await l1.pub.getBlockNumber() // a checkpoint below the reorg
    const snap = await l1.rpc<string>('evm_snapshot')
    await l1.depositETH({ from: 1, to: alice, wei: 9n, portal })
    await w.syncOnce()
    await l1.rpc('evm_revert', [snap])
    await l1.mine(3)
    ranges.length = 0
    await w.syncOnce()
    expect(ranges[0][0]).toBe(anchor + 1n)
    expect(w.deposits(alice).map((d) => d.status)).toEqual(['dropped'])
  })

  it('drops a reorged deposit even when the new chain is already past finality at the next pass', async () => {
    const portal = await freshPortal()
    const sink = recordingSink()
    const w = await createDepositWatcher({
      sources: [source(portal, 'finalized')],
      store: createMemoryBridgeStore(),
      sink,
    })
    const snap = await l1.rpc<string>('evm_snapshot')
    await l1.depositETH({ from: 1, to: alice, wei: 123n, portal })
    await w.syncOnce()
    await l1.rpc('evm_revert', [snap])
    await l1.mine(10)
    await w.syncOnce()
    expect(w.deposits(alice).map((d) => d.status)).toEqual(['dropped'])
    expect(sink.calls).toHaveLength(0)
  })

  it('a new watcher on the same store, between a deposit and its finality, credits it once', async () => {
    const portal = await freshPortal()
    const store = createMemoryBridgeStore()
    const sinkA = recordingSink()
    const a = await createDepositWatcher({ sources: [source(portal, 'finalized')], store, sink: sinkA })
    await l1.depositERC20({ from: 3, to: alice, token: l1.dep.tokens.WBTC, amount: 12_345n, portal })
    await a.syncOnce()
    expect(a.deposits()[0].status).toBe('pending')
    await a.stop()

    const sinkB = recordingSink()
    const b = await createDepositWatcher({ sources: [source(portal, 'finalized')], store, sink: sinkB })
    expect(b.deposits()[0].status).toBe('pending') // restored from the store
    await l1.mine(5)
    await b.syncOnce()
    await b.syncOnce()
    expect(sinkA.calls).toHaveLength(0)
    expect(sinkB.all().map((d) => [d.depositId, d.amountL1])).toEqual([[1n, 12_345n]])

    const sinkC = recordingSink()
    const c = await createDepositWatcher({ sources: [source(portal, 'finalized')], store, sink: sinkC })
    await l1.mine(5)
    await c.syncOnce()
    expect(sinkC.calls).toHaveLength(0)
    expect(c.status()[0].lastCreditedDepositId).toBe(1n)
  })

  it('resumes from LevelDB after the database is closed and reopened (a node restart)', async () => {
    const portal = await freshPortal()
    const dir = mkdtempSync(join(tmpdir(), 'um-watch-'))
    try {
      const open = () => new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
      let db = open()
      const sinkA = recordingSink()
      const a = await createDepositWatcher({
        sources: [source(portal, { confirmations: 2 })],
        store: createLevelBridgeStore(db),
        sink: sinkA,
      })
      await l1.depositETH({ from: 1, to: alice, wei: 3n, portal })
      await a.syncOnce()
      await a.stop()
      await db.close()

      db = open()
      const sinkB = recordingSink()
      const b = await createDepositWatcher({
        sources: [source(portal, { confirmations: 2 })],
        store: createLevelBridgeStore(db),
        sink: sinkB,
      })
      expect(b.deposits().map((d) => d.status)).toEqual(['pending'])
      await l1.mine(1)
      await b.syncOnce()
      await b.syncOnce()
      expect([sinkA.calls.length, sinkB.all().map((d) => d.amountL1)]).toEqual([0, [3n]])
      await db.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("trusts the sink's last credited id over a stale store (crash after crediting, before saving)", async () => {
    const portal = await freshPortal()
    const store = createMemoryBridgeStore()
    const a = await createDepositWatcher({ sources: [source(portal, 'finalized')], store, sink: recordingSink() })
    await l1.depositETH({ from: 1, to: alice, wei: 1n, portal })
    await l1.depositETH({ from: 1, to: alice, wei: 2n, portal })
    await a.syncOnce() // both pending in the store
    // The L2 state says deposit 1 is credited: the node crashed before the watcher saved.
    const calls: FinalDeposit[][] = []
    const sink: DepositSink = {
      credit: async (d) => void calls.push(d),
      lastCreditedDepositId: async () => 1n,
    }
    const b = await createDepositWatcher({ sources: [source(portal, 'finalized')], store, sink })
    await l1.mine(6)
    await b.syncOnce()
    expect(calls.flat().map((d) => d.depositId)).toEqual([2n])
    expect(b.deposits().map((d) => d.status)).toEqual(['credited', 'credited'])
  })

  it('two sources with finalized and {confirmations: 3} each credit by their own rule', async () => {
    const pFinal = await freshPortal()
    const pConf = await freshPortal()
    const sink = recordingSink()
    const w = await createDepositWatcher({
      sources: [source(pFinal, 'finalized'), source(pConf, { confirmations: 3 })],
      store: createMemoryBridgeStore(),
      sink,
    })
    const bf = await l1.depositETH({ from: 1, to: alice, wei: 10n, portal: pFinal })
    const bc = await l1.depositETH({ from: 2, to: bob, wei: 20n, portal: pConf })
    expect(bc).toBe(bf + 1n)
    await w.syncOnce()
    expect(sink.calls).toHaveLength(0) // bc has 1 confirmation

    await l1.mine(1) // bc: 2 confirmations
    await w.syncOnce()
    expect(sink.calls).toHaveLength(0)

    await l1.mine(1) // bc: 3 confirmations; finalized = latest - 4 = bf - 1
    await w.syncOnce()
    expect(sink.all().map((d) => [d.portal, d.depositId])).toEqual([[pConf, 1n]])
    expect(w.status()[0].l1Finalized! < bf).toBe(true)
    expect(w.deposits(alice)[0].status).toBe('pending')

    await l1.mine(2) // finalized reaches bf
    await w.syncOnce()
    expect(sink.all().map((d) => [d.portal, d.depositId])).toEqual([
      [pConf, 1n],
      [pFinal, 1n],
    ])
    expect(w.status().map((s) => [s.finality, s.lastCreditedDepositId])).toEqual([
      ['finalized', 1n],
      [{ confirmations: 3 }, 1n],
    ])
  })

  it('an L1 outage pauses crediting with a warning and resumes after it, the loop never throwing', async () => {
    const portal = await freshPortal()
    const sink = recordingSink()
    const src = source(portal, 'safe')
    const client = switchable(src.client)
    const warnings: string[] = []
    const logger = { info() {}, debug() {}, warn: (_o: object, msg?: string) => void warnings.push(msg ?? '') }
    const w = await createDepositWatcher({
      sources: [{ ...src, client }],
      store: createMemoryBridgeStore(),
      sink,
      logger,
      pollIntervalMs: 20,
      maxBackoffMs: 80,
    })
    w.start()
    await l1.depositETH({ from: 1, to: alice, wei: 5n, portal })
    await until(() => w.deposits().length === 1)
    client.down = true
    await l1.mine(4) // safe now covers the deposit, but the L1 is "down"
    await sleep(300)
    expect(sink.calls).toHaveLength(0)
    expect(w.status()[0].l1Up).toBe(false)
    expect(w.status()[0].lastError).toMatch(/ECONNREFUSED/)
    expect(warnings.some((m) => /crediting paused/.test(m))).toBe(true)

    client.down = false
    await until(() => sink.calls.length === 1)
    await w.stop()
    expect(w.status()[0]).toMatchObject({ l1Up: true, lastCreditedDepositId: 1n, lastError: null })
  })

  it('refuses to run against an L1 with another chain id (as a failed pass, not a throw)', async () => {
    const portal = await freshPortal()
    const src = source(portal, 'finalized')
    const w = await createDepositWatcher({
      sources: [{ ...src, config: { ...src.config, chainId: 1 } }],
      store: createMemoryBridgeStore(),
      sink: recordingSink(),
    })
    await w.syncOnce()
    expect(w.status()[0].lastError).toMatch(/chain id is 31337/)
  })
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
async function until(fn: () => boolean, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await sleep(20)
  }
}
