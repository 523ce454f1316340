/**
 * Issue 14, the mempool under a flood, end to end against the real node (`unimargin start`, its
 * dev price feeder every 2 s) with viem. Measured before the fix: 25 accounts with 0.0002 ETH
 * each filled the pool with 100,000 gapped-nonce transactions in 20 s, after which everyone was
 * refused ("txpool is full"), the price feeder too: prices went stale, withdrawals and
 * liquidations stopped.
 *
 * Here 20 accounts flood gapped nonces (70 each) and 10 more fill the executable part of the pool
 * (410 each, with a 30M gas limit so a block takes at most one of them), all pre-signed and sent
 * in JSON-RPC batches: the queue holds at most 64 per sender and 1,024 in all, the pool 5,120;
 * what does not fit is refused with geth's words; a transaction paying more still gets in; an
 * unrelated transfer is mined; the feeder's prices stay fresh throughout.
 */
import { type Hex, keccak256, type PrivateKeyAccount, parseEther, parseGwei, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devAccounts, publicHttp, walletHttp } from './support/clients.ts'
import { type NodeInstance, startNode } from './support/node.ts'
import { postRaw, type RpcResponse, rpc, rpcResult } from './support/rpc.ts'

const CHAIN_ID = 31338
const QUEUERS = 20
const QUEUED_EACH = 70
const FILLERS = 10
// 4,400 for 4,096 slots: more than blocks can take while they are sent, even on a loaded machine.
const FILLED_EACH = 440
/** What every flooding transaction pays, wei per gas. */
const FEES = { maxFeePerGas: parseGwei('2'), maxPriorityFeePerGas: parseGwei('1') }
const BLOCK_GAS = 30_000_000n

const account = (label: string, i: number) => privateKeyToAccount(keccak256(toHex(`attacks.mempool ${label} ${i}`)))
const queuers = Array.from({ length: QUEUERS }, (_, i) => account('queuer', i))
const fillers = Array.from({ length: FILLERS }, (_, i) => account('filler', i))
const sink = devAccounts[8].address

interface Sent {
  from: PrivateKeyAccount
  nonce: number
  raw: Hex
}

function sign(from: PrivateKeyAccount, nonce: number, gas: bigint, fees: typeof FEES = FEES): Promise<Sent> {
  return from
    .signTransaction({ type: 'eip1559', chainId: CHAIN_ID, nonce, to: sink, value: 1n, gas, ...fees })
    .then((raw) => ({ from, nonce, raw }))
}

/** Sends raw transactions in JSON-RPC batches of 500, one batch after the other; the answers in order. */
async function sendBatches(url: string, raws: Hex[]): Promise<RpcResponse[]> {
  const out: RpcResponse[] = []
  for (let i = 0; i < raws.length; i += 500) {
    const calls = raws.slice(i, i + 500).map((raw, k) => ({ jsonrpc: '2.0', id: i + k, method: 'eth_sendRawTransaction', params: [raw] }))
    const { body } = await postRaw(url, JSON.stringify(calls))
    out.push(...(body as RpcResponse[]).sort((a, b) => Number(a.id) - Number(b.id)))
  }
  return out
}

/** The newest oracle timestamp of each underlying (unix seconds), from `margin_getMarkets`. */
async function priceTimes(url: string): Promise<number[]> {
  const markets = await rpcResult<{ underlyings: { timestamp: number }[] }>(url, 'margin_getMarkets')
  return markets.underlyings.map((u) => Number(u.timestamp))
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let node: NodeInstance
let queued: Sent[]
let filled: Sent[]
let queuedAnswers: RpcResponse[]
let filledAnswers: RpcResponse[]
/** Transactions mined while the executable ones were sent (each fills its block). */
let minedDuringFill = 0
/** Oldest price age seen while the flood was sent and right after, seconds. */
let worstPriceAge = 0

beforeAll(async () => {
  const started = startNode()
  // Gapped nonces 1..70 (nonce 0 never comes) and runs from nonce 0 with a 30M gas limit.
  queued = []
  for (const q of queuers) for (let n = 1; n <= QUEUED_EACH; n++) queued.push(await sign(q, n, 21_000n))
  filled = []
  for (let n = 0; n < FILLED_EACH; n++) for (const f of fillers) filled.push(await sign(f, n, BLOCK_GAS))
  node = await started
  // Fund them from two dev accounts: a filler needs 410 · 30M gas · 2 gwei (24.6 ETH) and some to outbid, a queuer little.
  const funding: Hex[] = []
  const funders = [devAccounts[1], devAccounts[2]]
  const targets = [...fillers.map((a) => [a, parseEther('30')] as const), ...queuers.map((a) => [a, parseEther('0.01')] as const)]
  for (let i = 0; i < targets.length; i++) {
    const [to, value] = targets[i]
    funding.push(
      await funders[i % 2].signTransaction({
        type: 'eip1559',
        chainId: CHAIN_ID,
        nonce: Math.floor(i / 2),
        to: to.address,
        value,
        gas: 21_000n,
        maxFeePerGas: parseGwei('10'),
        maxPriorityFeePerGas: parseGwei('1'),
      }),
    )
  }
  const answers = await sendBatches(node.url, funding)
  expect(answers.filter((a) => a.error)).toEqual([])
  const client = publicHttp(node.url)
  await client.waitForTransactionReceipt({ hash: answers.at(-1)!.result, timeout: 20_000 })
  await client.waitForTransactionReceipt({ hash: answers.at(-2)!.result, timeout: 20_000 })
  // The feeder's first update (2 s after start) makes the prices fresh; then the flood, with
  // the price age sampled while it goes in.
  const fresh = Date.now() + 15_000
  while (Math.min(...(await priceTimes(node.url))) < Math.floor(Date.now() / 1000) - 5 && Date.now() < fresh) await sleep(200)
  const sampler = (async () => {
    for (let i = 0; i < 40 && !filledAnswers; i++) {
      const now = Math.floor(Date.now() / 1000)
      worstPriceAge = Math.max(worstPriceAge, ...(await priceTimes(node.url)).map((t) => now - t))
      await sleep(250)
    }
  })()
  queuedAnswers = await sendBatches(
    node.url,
    queued.map((s) => s.raw),
  )
  const headBefore = Number(await rpcResult(node.url, 'eth_blockNumber', []))
  filledAnswers = await sendBatches(
    node.url,
    filled.map((s) => s.raw),
  )
  minedDuringFill = Number(await rpcResult(node.url, 'eth_blockNumber', [])) - headBefore
  await sampler
}, 120_000)

afterAll(async () => {
  await node?.dispose()
})

describe('a flood of gapped and executable transactions', () => {
  it('caps each sender’s queue at 64 with a clear error, and the queue at 1,024 in all', () => {
    const accepted = new Map<string, number>()
    const refusals = new Map<string, number>()
    queuedAnswers.forEach((a, i) => {
      const from = queued[i].from.address
      if (a.result) accepted.set(from, (accepted.get(from) ?? 0) + 1)
      else refusals.set(a.error!.message.replace(/0x[0-9a-f]{40}/, '0x…'), (refusals.get(a.error!.message) ?? 0) + 1)
    })
    const total = [...accepted.values()].reduce((a, b) => a + b, 0)
    expect(total).toBe(1024)
    for (const n of accepted.values()) expect(n).toBeLessThanOrEqual(64)
    for (const a of queuedAnswers) if (a.error) expect(a.error.code).toBe(-32000)
    const messages = new Set(queuedAnswers.filter((a) => a.error).map((a) => a.error!.message.replace(/0x[0-9a-f]{40}/, '0x…')))
    expect(messages).toEqual(
      new Set([
        'account limit exceeded: address 0x… already has 64 transactions queued behind a nonce gap; send nonce 0 first',
        'transaction underpriced',
      ]),
    )
    // The 65th and later of a sender: its own limit.
    const first = queuers[0].address.toLowerCase()
    expect(queuedAnswers[64].error?.message).toBe(
      `account limit exceeded: address ${first} already has 64 transactions queued behind a nonce gap; send nonce 0 first`,
    )
  })

  it('fills the rest of the 5,120 slots with executable transactions, then refuses equal fees as underpriced', () => {
    const accepted = filledAnswers.filter((a) => a.result).length
    // 4,096 executable slots beside the 1,024 queued, and one more per block mined meanwhile.
    expect(accepted).toBeGreaterThanOrEqual(4096 - 10)
    expect(accepted).toBeLessThanOrEqual(4096 + minedDuringFill + 10)
    const refused = filledAnswers.filter((a) => a.error)
    expect(refused.length).toBeGreaterThan(0)
    for (const a of refused) expect(a.error).toEqual({ code: -32000, message: 'transaction underpriced' })
  })

  it('keeps prices fresh: the feeder is neither refused nor starved', async () => {
    expect(worstPriceAge).toBeLessThanOrEqual(6)
    const before = await priceTimes(node.url)
    await sleep(4500)
    const after = await priceTimes(node.url)
    after.forEach((t, i) => expect(t).toBeGreaterThan(before[i]))
    expect(Math.floor(Date.now() / 1000) - Math.min(...after)).toBeLessThanOrEqual(6)
  })

  it('admits a gapped transaction that outbids the cheapest queued one, and refuses one that does not', async () => {
    // A queuer the full queue turned away: at the same fees still refused, at more it gets in.
    const late = queuers[QUEUERS - 1]
    const same = await sign(late, 1, 21_000n)
    const more = await sign(late, 1, 21_000n, { maxFeePerGas: parseGwei('3'), maxPriorityFeePerGas: parseGwei('2') })
    expect((await rpc(node.url, 'eth_sendRawTransaction', [same.raw])).error?.message).toBe('transaction underpriced')
    const res = await rpc(node.url, 'eth_sendRawTransaction', [more.raw])
    expect(res.error).toBeUndefined()
    expect(res.result).toMatch(/^0x[0-9a-f]{64}$/)
  })

  it('admits an executable transaction that outbids the cheapest when the pool is full', async () => {
    // A filler with hundreds pending: at the same fees it waits for room, paying more it takes it.
    const f = fillers[0]
    let nonce = Number(await rpcResult(node.url, 'eth_getTransactionCount', [f.address, 'pending']))
    let refused = false
    for (let tries = 0; tries < 50 && !refused; tries++, nonce++) {
      // Equal fees, then double, in one batch: geth's order, the second right after the first.
      const same = await sign(f, nonce, BLOCK_GAS)
      const more = await sign(f, nonce, BLOCK_GAS, { maxFeePerGas: parseGwei('4'), maxPriorityFeePerGas: parseGwei('2') })
      const [a, b] = await sendBatches(node.url, [same.raw, more.raw])
      refused = a.error?.message === 'transaction underpriced'
      expect(b.error).toBeUndefined()
    }
    expect(refused).toBe(true)
  })

  it('still mines a plain transfer from an unrelated account', async () => {
    const wallet = walletHttp(node.url, devAccounts[5])
    const hash = await wallet.sendTransaction({ to: devAccounts[6].address, value: 12_345n })
    const receipt = await publicHttp(node.url).waitForTransactionReceipt({ hash, timeout: 30_000 })
    expect(receipt.status).toBe('success')
  })

  it('says which chain id a transaction was signed for', async () => {
    const typed = await devAccounts[5].signTransaction({ type: 'eip1559', chainId: 1, nonce: 0, to: sink, gas: 21_000n, ...FEES })
    const legacy = await devAccounts[5].signTransaction({
      type: 'legacy',
      chainId: 5,
      nonce: 0,
      to: sink,
      gas: 21_000n,
      gasPrice: parseGwei('2'),
    })
    expect((await rpc(node.url, 'eth_sendRawTransaction', [typed])).error).toEqual({
      code: -32000,
      message: 'invalid chain id: have 1, want 31338',
    })
    expect((await rpc(node.url, 'eth_sendRawTransaction', [legacy])).error).toEqual({
      code: -32000,
      message: 'invalid chain id: have 5, want 31338',
    })
  })
})
