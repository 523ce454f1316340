import { type Block, createBlock } from '@ethereumjs/block'
import { createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common'
import { createTxFromRLP, type TypedTransaction } from '@ethereumjs/tx'
import { bytesToHex } from '@ethereumjs/util'
import { encodeFunctionData, parseAbi, parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { InvalidTransactionError, UnknownBlockError } from '../chain/errors.ts'
import type { ChainApi, ChainEvents } from '../chain/types.ts'
import type { CallRequest, CallResult } from '../execution/types.ts'
import { freePort } from '../lib/freePort.ts'
import type { BlockTag, Hex, LogFilter, StoredLog, StoredReceipt } from '../state/types.ts'
import { InvalidParamsError } from './errors.ts'
import { arity, parseAddress } from './params.ts'
import { createRpcServer, MAX_BATCH_CALLS, MAX_SUBSCRIPTIONS_PER_CONNECTION, type RpcServer } from './server.ts'

const common = createCustomCommon({ chainId: 31338 }, Mainnet, { hardfork: Hardfork.Prague })
const account = privateKeyToAccount(`0x${'42'.repeat(32)}`)
const REVERT_DATA = encodeFunctionData({
  abi: parseAbi(['function Error(string)']),
  functionName: 'Error',
  args: ['nope'],
})
const EVENT_TOPIC = `0x${'ee'.repeat(32)}` as Hex

/**
 * TEST DOUBLE: an in-memory ChainApi, just enough for the server tests. Blocks are real
 * @ethereumjs blocks; `mine()` makes a block of the queued transactions, gives each a receipt
 * with one log from the tx's `to`, and emits `block`. It executes nothing.
 */
class InMemoryChainTestDouble implements ChainApi {
  readonly chainId = 31338n
  readonly clientVersion = 'unimargin-test-double/0.0.0'
  blocks: Block[] = []
  receipts = new Map<bigint, StoredReceipt[]>()
  pending: TypedTransaction[] = []
  listeners = { block: new Set<(...args: any[]) => void>(), pendingTransaction: new Set<(...args: any[]) => void>() }

  constructor() {
    this.blocks.push(createBlock({ header: { number: 0n, gasLimit: 30_000_000n, baseFeePerGas: 1_000_000_000n } }, { common }))
  }
  mine(): Block {
    const parent = this.blocks[this.blocks.length - 1]
    const txs = this.pending.splice(0)
    const block = createBlock(
      {
        header: {
          number: parent.header.number + 1n,
          parentHash: parent.hash(),
          gasLimit: 30_000_000n,
          timestamp: parent.header.timestamp + 1n,
          baseFeePerGas: 1_000_000_000n,
        },
        transactions: txs,
      },
      { common },
    )
    const blockHash = bytesToHex(block.hash())
    const receipts: StoredReceipt[] = txs.map((tx, i) => {
      const transactionHash = bytesToHex(tx.hash())
      const log: StoredLog = {
        address: (tx.to?.toString() ?? `0x${'00'.repeat(20)}`) as Hex,
        topics: [EVENT_TOPIC],
        data: '0x',
        blockNumber: block.header.number,
        blockHash,
        transactionHash,
        transactionIndex: i,
        logIndex: i,
      }
      return {
        transactionHash,
        transactionIndex: i,
        blockHash,
        blockNumber: block.header.number,
        from: tx.getSenderAddress().toString() as Hex,
        to: (tx.to?.toString() ?? null) as Hex | null,
        contractAddress: null,
        cumulativeGasUsed: 21_000n * BigInt(i + 1),
        gasUsed: 21_000n,
        effectiveGasPrice: 1_000_000_000n,
        status: 1,
        logs: [log],
        logsBloom: `0x${'00'.repeat(256)}`,
        type: tx.type,
      }
    })
    this.blocks.push(block)
    this.receipts.set(block.header.number, receipts)
    for (const fn of this.listeners.block) fn(block, receipts)
    return block
  }
  headNumber() {
    return BigInt(this.blocks.length - 1)
  }
  async resolveBlock(tag: BlockTag): Promise<bigint> {
    if (typeof tag === 'bigint') {
      if (tag > this.headNumber()) throw new UnknownBlockError(`0x${tag.toString(16)}`)
      return tag
    }
    if (typeof tag === 'object') {
      const b = await this.getBlockByHash(tag.hash)
      if (!b) throw new UnknownBlockError(tag.hash)
      return b.header.number
    }
    return tag === 'earliest' ? 0n : this.headNumber()
  }
  async getBlockByNumber(n: bigint) {
    return this.blocks[Number(n)]
  }
  async getBlockByHash(hash: Hex) {
    return this.blocks.find((b) => bytesToHex(b.hash()) === hash)
  }
  async getTransaction(hash: Hex) {
    const p = this.pending.find((t) => bytesToHex(t.hash()) === hash)
    if (p) return { tx: p, pending: true as const }
    for (const b of this.blocks) {
      const i = b.transactions.findIndex((t) => bytesToHex(t.hash()) === hash)
      if (i >= 0) {
        return { tx: b.transactions[i], blockHash: bytesToHex(b.hash()), blockNumber: b.header.number, transactionIndex: i }
      }
    }
    return undefined
  }
  async getReceipt(hash: Hex) {
    for (const rs of this.receipts.values()) for (const r of rs) if (r.transactionHash === hash) return r
    return undefined
  }
  async getBlockReceipts(n: bigint) {
    return this.receipts.get(n) ?? []
  }
  async getLogs(f: LogFilter) {
    const out: StoredLog[] = []
    for (let n = f.fromBlock; n <= f.toBlock; n++) {
      for (const r of this.receipts.get(n) ?? []) out.push(...r.logs)
    }
    return out
  }
  async getBalance(_a: Hex, block: BlockTag) {
    await this.resolveBlock(block)
    return parseEther('10000')
  }
  async getTransactionCount(_a: Hex, block: BlockTag) {
    await this.resolveBlock(block)
    return 0n
  }
  async getCode() {
    return '0x' as Hex
  }
  async getStorageAt() {
    return `0x${'00'.repeat(32)}` as Hex
  }
  async getProof(): Promise<never> {
    throw new Error('not in the test double')
  }
  async call(req: CallRequest): Promise<CallResult> {
    if (req.data === '0xdead') return { ok: false, reverted: true, returnData: REVERT_DATA, gasUsed: 100n }
    return { ok: true, returnData: req.data ?? '0x', gasUsed: 21_000n }
  }
  async estimateGas() {
    return 21_000n
  }
  gasPrice() {
    return 2_000_000_000n
  }
  maxPriorityFeePerGas() {
    return 1_000_000_000n
  }
  async feeHistory() {
    return { oldestBlock: 0n, baseFeePerGas: [1n, 1n], gasUsedRatio: [0] }
  }
  async sendRawTransaction(raw: Uint8Array): Promise<Hex> {
    let tx: TypedTransaction
    try {
      tx = createTxFromRLP(raw, { common })
    } catch (err) {
      throw new InvalidTransactionError('could not decode', { cause: err })
    }
    this.pending.push(tx)
    const hash = bytesToHex(tx.hash())
    for (const fn of this.listeners.pendingTransaction) fn(hash)
    return hash
  }
  on<E extends keyof ChainEvents>(event: E, fn: ChainEvents[E]) {
    this.listeners[event].add(fn)
  }
  off<E extends keyof ChainEvents>(event: E, fn: ChainEvents[E]) {
    this.listeners[event].delete(fn)
  }
}

let chain: InMemoryChainTestDouble
let server: RpcServer

async function post(body: string | object, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await fetch(server.url, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, text, json: text ? JSON.parse(text) : undefined, headers: res.headers }
}
const rpc = (method: string, params: unknown[] = [], id: number | string = 1) => ({ jsonrpc: '2.0', id, method, params })

function openWs(): Promise<{ ws: WebSocket; next: () => Promise<any>; call: (m: string, p?: unknown[]) => Promise<any> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(server.wsUrl)
    const queue: any[] = []
    const waiters: ((m: any) => void)[] = []
    let nextId = 1
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString())
      const w = waiters.shift()
      if (w) w(m)
      else queue.push(m)
    })
    const next = () => new Promise<any>((r) => (queue.length ? r(queue.shift()) : waiters.push(r)))
    const call = async (method: string, params: unknown[] = []) => {
      ws.send(JSON.stringify(rpc(method, params, nextId++)))
      return next()
    }
    ws.on('open', () => resolve({ ws, next, call }))
    ws.on('error', reject)
  })
}

beforeAll(async () => {
  chain = new InMemoryChainTestDouble()
  server = createRpcServer({ chain, host: '127.0.0.1', port: await freePort() })
  await server.listen()
})
afterAll(async () => {
  await server.close()
})

describe('HTTP JSON-RPC', () => {
  it('answers eth_chainId, net_version and web3_clientVersion', async () => {
    const r = await post([rpc('eth_chainId', [], 1), rpc('net_version', [], 2), rpc('web3_clientVersion', [], 3)])
    expect(r.status).toBe(200)
    expect(r.json).toEqual([
      { jsonrpc: '2.0', id: 1, result: '0x7a6a' },
      { jsonrpc: '2.0', id: 2, result: '31338' },
      { jsonrpc: '2.0', id: 3, result: 'unimargin-test-double/0.0.0' },
    ])
  })

  it('refuses malformed JSON with -32700 and keeps serving', async () => {
    const r = await post('{"jsonrpc":"2.0","id":1,"method":')
    expect(r.json.id).toBe(null)
    expect(r.json.error.code).toBe(-32700)
    expect((await post(rpc('eth_blockNumber'))).json.result).toBe('0x0')
  })

  it('refuses invalid requests with -32600', async () => {
    expect((await post('42')).json.error.code).toBe(-32600)
    expect((await post({ jsonrpc: '1.0', id: 7, method: 'eth_chainId' })).json).toMatchObject({
      id: 7,
      error: { code: -32600, message: expect.stringContaining('jsonrpc') },
    })
    expect((await post({ jsonrpc: '2.0', id: 8 })).json).toMatchObject({ id: 8, error: { code: -32600 } })
    expect((await post([])).json.error).toEqual({ code: -32600, message: 'empty batch' })
  })

  it('answers an unknown method with -32601 in geth words', async () => {
    const r = await post(rpc('eth_nope'))
    expect(r.json.error).toEqual({ code: -32601, message: 'the method eth_nope does not exist/is not available' })
  })

  it('names the bad parameter in -32602', async () => {
    const odd = await post(rpc('eth_getBalance', ['0xabc', 'latest']))
    expect(odd.json.error).toEqual({ code: -32602, message: 'invalid argument 0: hex string has odd length' })
    const short = await post(rpc('eth_getBalance', [`0x${'11'.repeat(19)}`, 'latest']))
    expect(short.json.error.message).toBe('invalid argument 0: hex string has length 38, want 40 for common.Address')
    const tag = await post(rpc('eth_getBalance', [account.address, 'newest']))
    expect(tag.json.error.code).toBe(-32602)
    expect(tag.json.error.message).toMatch(/^invalid argument 1: invalid block tag "newest"/)
    const field = await post(rpc('eth_call', [{ to: '0x12', data: '0x' }]))
    expect(field.json.error.message).toBe('invalid argument 0: to: hex string has length 2, want 40 for common.Address')
    const missing = await post(rpc('eth_getTransactionReceipt', []))
    expect(missing.json.error.message).toBe('missing value for required argument 0')
    const tooMany = await post(rpc('eth_chainId', [1]))
    expect(tooMany.json.error.message).toBe('too many arguments, want at most 0')
  })

  it('answers state queries at an unknown block with -32000 header not found, blocks with null', async () => {
    const state = await post(rpc('eth_getBalance', [account.address, '0x999']))
    expect(state.json.error).toEqual({ code: -32000, message: 'header not found' })
    const byHash = await post(rpc('eth_getBalance', [account.address, { blockHash: `0x${'12'.repeat(32)}` }]))
    expect(byHash.json.error).toEqual({ code: -32000, message: 'header for hash not found' })
    expect((await post(rpc('eth_getBlockByNumber', ['0x999', false]))).json.result).toBe(null)
    expect((await post(rpc('eth_getBlockByHash', [`0x${'12'.repeat(32)}`, false]))).json.result).toBe(null)
    expect((await post(rpc('eth_getTransactionReceipt', [`0x${'12'.repeat(32)}`]))).json.result).toBe(null)
  })

  it('returns code 3 with the revert data and reason for a reverted eth_call', async () => {
    const r = await post(rpc('eth_call', [{ to: account.address, input: '0xdead' }, 'latest']))
    expect(r.json.error).toEqual({ code: 3, message: 'execution reverted: nope', data: REVERT_DATA })
  })

  it('maps a domain error from eth_sendRawTransaction to -32000', async () => {
    const r = await post(rpc('eth_sendRawTransaction', ['0xdeadbeef']))
    expect(r.json.error.code).toBe(-32000)
    expect(r.json.error.message).toBe('invalid transaction: could not decode')
  })

  it('refuses a 6 MB body with a JSON-RPC error and keeps serving', async () => {
    const big = JSON.stringify(rpc('eth_sendRawTransaction', [`0x${'ab'.repeat(3 * 1024 * 1024)}`]))
    expect(big.length).toBeGreaterThan(6 * 1024 * 1024)
    const r = await post(big)
    expect(r.status).toBe(413)
    expect(r.json).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } })
    expect(r.json.error.message).toContain('too large')
    expect((await post(rpc('eth_chainId'))).json.result).toBe('0x7a6a')
  })

  it('reads an oversized chunked body to its end, so the sender gets the error, not EPIPE', async () => {
    const bytes = new TextEncoder().encode(
      `[${JSON.stringify(rpc('eth_chainId'))
        .repeat(1)
        .padEnd(6 * 1024 * 1024, ' ')}]`,
    )
    for (let i = 0; i < 5; i++) {
      const body = new ReadableStream({
        start(c) {
          for (let o = 0; o < bytes.length; o += 64 * 1024) c.enqueue(bytes.subarray(o, o + 64 * 1024))
          c.close()
        },
      })
      const res = await fetch(server.url, { method: 'POST', body, duplex: 'half' } as RequestInit)
      expect(res.status).toBe(413)
      expect((await res.json()).error.message).toBe('request body too large: the limit is 5242880 bytes (5 MB)')
    }
    expect((await post(rpc('eth_chainId'))).json.result).toBe('0x7a6a')
  })

  it('refuses a batch of 1,001 calls with one error, and serves one of 1,000', async () => {
    expect(MAX_BATCH_CALLS).toBe(1000)
    const batch = Array.from({ length: 1001 }, (_, i) => rpc('eth_chainId', [], i))
    const r = await post(batch)
    expect(Array.isArray(r.json)).toBe(false)
    expect(r.json.error.code).toBe(-32600)
    expect(r.json.error.message).toContain('batch too large')
    const ok = await post(batch.slice(0, 1000))
    expect(ok.json).toHaveLength(1000)
    expect(ok.json[999]).toEqual({ jsonrpc: '2.0', id: 999, result: '0x7a6a' })
  })

  it('answers a batch mixing good, bad and notification calls, in order', async () => {
    const r = await post([
      rpc('eth_chainId', [], 'a'),
      rpc('eth_nope', [], 'b'),
      { jsonrpc: '2.0', method: 'eth_chainId' },
      5,
      rpc('eth_getBalance', ['0x1'], 'c'),
    ])
    expect(r.json.map((x: any) => [x.id, x.result ?? x.error.code])).toEqual([
      ['a', '0x7a6a'],
      ['b', -32601],
      [null, -32600],
      ['c', -32602],
    ])
  })

  it('sends nothing for a notification', async () => {
    const one = await post({ jsonrpc: '2.0', method: 'eth_chainId', params: [] })
    expect(one.status).toBe(200)
    expect(one.text).toBe('')
    const batch = await post([{ jsonrpc: '2.0', method: 'eth_chainId' }])
    expect(batch.text).toBe('')
  })

  it('accepts bodies without a content type, or with another one', async () => {
    const plain = await post(rpc('eth_chainId'), { 'content-type': 'text/plain' })
    expect(plain.json.result).toBe('0x7a6a')
    const res = await fetch(server.url, { method: 'POST', body: new Blob([JSON.stringify(rpc('eth_chainId'))]) })
    expect((await res.json()).result).toBe('0x7a6a')
  })

  it('answers a CORS preflight and sets the CORS header on calls', async () => {
    const pre = await fetch(server.url, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-wallet',
      },
    })
    expect(pre.status).toBeLessThan(300)
    expect(pre.headers.get('access-control-allow-origin')).toBe('*')
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST')
    expect(pre.headers.get('access-control-allow-headers')).toBe('content-type,x-wallet')
    const other = await fetch(`${server.url}/rpc`, { method: 'OPTIONS', headers: { origin: 'https://app.example' } })
    expect(other.status).toBe(204)
    expect(other.headers.get('access-control-allow-headers')).toContain('content-type')
    const r = await post(rpc('eth_chainId'), { 'content-type': 'application/json', origin: 'https://app.example' })
    expect(r.headers.get('access-control-allow-origin')).toBe('*')
  })

  it('answers GET / with a JSON health document', async () => {
    const res = await fetch(server.url)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ok', chainId: '0x7a6a' })
  })

  it('serves a transaction, its block and receipt in geth shape', async () => {
    const raw = await account.signTransaction({
      chainId: 31338,
      type: 'eip1559',
      to: `0x${'42'.repeat(20)}`,
      value: 1n,
      nonce: 0,
      gas: 21_000n,
      maxFeePerGas: 3_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
    })
    const sent = await post(rpc('eth_sendRawTransaction', [raw]))
    const hash = sent.json.result
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/)
    const pending = (await post(rpc('eth_getTransactionByHash', [hash]))).json.result
    expect(pending).toMatchObject({ hash, blockHash: null, blockNumber: null, transactionIndex: null })
    expect(pending.from.toLowerCase()).toBe(account.address.toLowerCase())
    chain.mine()
    const mined = (await post(rpc('eth_getTransactionByHash', [hash]))).json.result
    expect(mined).toMatchObject({ blockNumber: '0x1', transactionIndex: '0x0', type: '0x2', gasPrice: '0x77359400', chainId: '0x7a6a' })
    const block = (await post(rpc('eth_getBlockByNumber', ['latest', true]))).json.result
    expect(block.number).toBe('0x1')
    expect(block.transactions[0].hash).toBe(hash)
    expect(block).toMatchObject({ totalDifficulty: '0x0', uncles: [], withdrawals: [] })
    const receipt = (await post(rpc('eth_getTransactionReceipt', [hash]))).json.result
    expect(receipt).toMatchObject({ status: '0x1', type: '0x2', gasUsed: '0x5208', blockNumber: '0x1' })
    const logs = (await post(rpc('eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest', topics: [EVENT_TOPIC] }]))).json.result
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatchObject({ transactionHash: hash, removed: false })
  })

  it('limits eth_getLogs to 10,000 blocks with a clear error', async () => {
    for (let i = 0; i < 3; i++) chain.mine()
    const r = await post(rpc('eth_getLogs', [{ fromBlock: '0x0', toBlock: '0x2' }]))
    expect(Array.isArray(r.json.result)).toBe(true)
    // The test double's head is small: check the limit through a wide numeric range below head.
    const head = chain.headNumber()
    for (let n = head; n < 10_002n; n++) chain.blocks.push(chain.blocks[chain.blocks.length - 1])
    const wide = await post(rpc('eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest' }]))
    expect(wide.json.error.code).toBe(-32005)
    expect(wide.json.error.message).toContain('the limit is 10000')
    chain.blocks.length = Number(head) + 1
  })

  it('serves polling filters with changes since the last poll', async () => {
    const id = (await post(rpc('eth_newBlockFilter'))).json.result
    expect((await post(rpc('eth_getFilterChanges', [id]))).json.result).toEqual([])
    const b = chain.mine()
    expect((await post(rpc('eth_getFilterChanges', [id]))).json.result).toEqual([bytesToHex(b.hash())])
    expect((await post(rpc('eth_getFilterChanges', [id]))).json.result).toEqual([])
    expect((await post(rpc('eth_uninstallFilter', [id]))).json.result).toBe(true)
    expect((await post(rpc('eth_getFilterChanges', [id]))).json.error).toEqual({ code: -32000, message: 'filter not found' })
  })

  it('refuses eth_subscribe over HTTP', async () => {
    expect((await post(rpc('eth_subscribe', ['newHeads']))).json.error).toEqual({
      code: -32601,
      message: 'notifications not supported',
    })
  })
})

describe('WebSocket JSON-RPC', () => {
  it('answers calls on the same port', async () => {
    const { ws, call } = await openWs()
    expect((await call('eth_chainId')).result).toBe('0x7a6a')
    expect((await call('eth_nope')).error.code).toBe(-32601)
    ws.close()
  })

  it('subscribes to newHeads, logs and pending transactions, and unsubscribes', async () => {
    const { ws, call, next } = await openWs()
    const heads = (await call('eth_subscribe', ['newHeads'])).result
    expect(heads).toMatch(/^0x[0-9a-f]{32}$/)
    const block = chain.mine()
    const note = await next()
    expect(note).toMatchObject({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription: heads } })
    expect(note.params.result).toMatchObject({ hash: bytesToHex(block.hash()), number: `0x${block.header.number.toString(16)}` })
    expect(note.params.result.transactions).toBeUndefined()
    expect((await call('eth_unsubscribe', [heads])).result).toBe(true)
    expect((await call('eth_unsubscribe', [heads])).result).toBe(false)

    const to = `0x${'77'.repeat(20)}` as Hex
    const logsId = (await call('eth_subscribe', ['logs', { address: to }])).result
    const pendingId = (await call('eth_subscribe', ['newPendingTransactions'])).result
    const raw = await account.signTransaction({ chainId: 31338, to, nonce: 1, gas: 21_000n, gasPrice: 2_000_000_000n })
    ws.send(JSON.stringify(rpc('eth_sendRawTransaction', [raw], 99)))
    const got = [await next(), await next()]
    const hashReply = got.find((m) => m.id === 99)
    const pendingNote = got.find((m) => m.params?.subscription === pendingId)
    expect(pendingNote.params.result).toBe(hashReply.result)
    chain.mine()
    const logNote = await next()
    expect(logNote.params.subscription).toBe(logsId)
    expect(logNote.params.result).toMatchObject({ address: to, transactionHash: hashReply.result, removed: false })
    ws.close()
  })

  it('answers a 6 MB message with a JSON-RPC error and keeps the connection', async () => {
    const { ws, call, next } = await openWs()
    ws.send(JSON.stringify(rpc('eth_call', [{ data: `0x${'ab'.repeat(3 * 1024 * 1024)}` }])))
    const err = await next()
    expect(err).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: 'request message too large: the limit is 5242880 bytes (5 MB)' },
    })
    expect((await call('eth_chainId')).result).toBe('0x7a6a')
    ws.close()
  })

  it('refuses an unknown subscription kind naming it', async () => {
    const { ws, call } = await openWs()
    const r = await call('eth_subscribe', ['nope'])
    expect(r.error.code).toBe(-32602)
    expect(r.error.message).toContain('nope')
    const hashed = await call('eth_subscribe', ['logs', { blockHash: `0x${'12'.repeat(32)}` }])
    expect(hashed.error).toEqual({ code: -32602, message: 'invalid argument 1: a logs subscription takes no blockHash' })
    ws.close()
  })

  it('lets a later namespace register methods and a subscription kind', async () => {
    server.register({
      margin_echo: (params) => {
        const [a] = arity(params, 1, 1)
        return parseAddress(a, 0)
      },
    })
    server.registerSubscription('marginHealth', (args, ctx, emit) => {
      const address = parseAddress(args[0], 1)
      const fn = () => emit({ address, health: '1' })
      ctx.events.on('block', fn)
      return () => ctx.events.off('block', fn)
    })
    expect(() => server.register({ eth_chainId: () => 1 })).toThrow(/already registered/)
    // A handler bug (a bigint in the result) fails its own call only.
    server.register({ test_buggy: () => ({ n: 1n }) })
    const mixed = await post([rpc('test_buggy', [], 1), rpc('eth_chainId', [], 2)])
    expect(mixed.json).toEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'internal error' } },
      { jsonrpc: '2.0', id: 2, result: '0x7a6a' },
    ])
    const { ws, call, next } = await openWs()
    expect((await call('margin_echo', [`0x${'AB'.repeat(20)}`])).result).toBe(`0x${'ab'.repeat(20)}`)
    expect((await call('eth_subscribe', ['marginHealth', '0x12'])).error.message).toMatch(/^invalid argument 1:/)
    const id = (await call('eth_subscribe', ['marginHealth', `0x${'ab'.repeat(20)}`])).result
    chain.mine()
    expect((await next()).params).toEqual({ subscription: id, result: { address: `0x${'ab'.repeat(20)}`, health: '1' } })
    ws.close()
    void InvalidParamsError
  })
})

describe('bounded requests', () => {
  it('refuses block numbers past int64 and reversed log ranges as invalid params', async () => {
    const big = await post(rpc('eth_getBalance', [account.address, `0x1${'0'.repeat(16)}`]))
    expect(big.json.error).toEqual({ code: -32602, message: 'invalid argument 1: hex number > 64 bits' })
    const block = await post(rpc('eth_getBlockByNumber', [`0x${(2n ** 63n).toString(16)}`, false]))
    expect(block.json.error).toEqual({ code: -32602, message: 'invalid argument 0: block number larger than int64' })
    const logs = await post(rpc('eth_getLogs', [{ fromBlock: `0x1${'0'.repeat(16)}` }]))
    expect(logs.json.error).toEqual({ code: -32602, message: 'invalid argument 0: fromBlock: hex number > 64 bits' })
    while (chain.headNumber() < 2n) chain.mine()
    const reversed = await post(rpc('eth_getLogs', [{ fromBlock: '0x2', toBlock: '0x1' }]))
    expect(reversed.json.error).toEqual({
      code: -32602,
      message: 'invalid argument 0: invalid block range params: fromBlock 0x2 is after toBlock 0x1',
    })
    // A fromBlock past the head with toBlock latest is reversed too (geth).
    const past = await post(rpc('eth_getLogs', [{ fromBlock: '0xffff', toBlock: 'latest' }]))
    expect(past.json.error.code).toBe(-32602)
    expect(past.json.error.message).toContain('invalid block range params')
    const gas = await post(rpc('eth_call', [{ to: account.address, gas: `0x1${'0'.repeat(16)}` }]))
    expect(gas.json.error).toEqual({ code: -32602, message: 'invalid argument 0: gas: hex number > 64 bits' })
  })
})

describe('bounded batches', () => {
  let ran = 0
  let bounded: RpcServer
  const postTo = async (body: unknown) => {
    const res = await fetch(bounded.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    return res.json()
  }
  beforeAll(async () => {
    bounded = createRpcServer({
      chain,
      host: '127.0.0.1',
      port: await freePort(),
      batchTimeoutMs: 200,
      maxResponseBytes: 1_000,
      methods: {
        test_count: () => ++ran,
        test_sleep: async (p) => {
          await new Promise((r) => setTimeout(r, Number(p[0])))
          return 'slept'
        },
        test_text: (p) => 'x'.repeat(Number(p[0])),
        test_deadline: (_p, ctx) => typeof ctx.deadline,
      },
    })
    await bounded.listen()
  })
  afterAll(async () => {
    await bounded.close()
  })

  it('refuses a batch over 1,000 calls whole, running none of them', async () => {
    ran = 0
    const r = await postTo(Array.from({ length: MAX_BATCH_CALLS + 1 }, (_, i) => rpc('test_count', [], i)))
    expect(r).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'batch too large: 1001 calls, the limit is 1000' } })
    expect(ran).toBe(0)
  })

  it('gives the calls of a batch one deadline; those it does not reach are answered -32002, unrun', async () => {
    ran = 0
    const r = await postTo([
      rpc('test_deadline', [], 1),
      rpc('test_sleep', [150], 2),
      rpc('test_sleep', [150], 3),
      rpc('test_count', [], 4),
      { jsonrpc: '2.0', method: 'test_count' },
      rpc('test_count', [], 'five'),
    ])
    expect(r).toEqual([
      { jsonrpc: '2.0', id: 1, result: 'number' },
      { jsonrpc: '2.0', id: 2, result: 'slept' },
      { jsonrpc: '2.0', id: 3, result: 'slept' },
      { jsonrpc: '2.0', id: 4, error: { code: -32002, message: 'request timed out' } },
      { jsonrpc: '2.0', id: 'five', error: { code: -32002, message: 'request timed out' } },
    ])
    expect(ran).toBe(0)
    // A single call has no batch deadline (its own limits apply).
    expect(await postTo(rpc('test_deadline'))).toMatchObject({ result: 'undefined' })
  })

  it('stops a batch once its answer passes the size limit: -32003 for the rest', async () => {
    const r = await postTo([rpc('test_text', [400], 1), rpc('test_text', [700], 2), rpc('test_text', [1], 3), rpc('eth_chainId', [], 4)])
    expect(r.map((x: { id: number }) => x.id)).toEqual([1, 2, 3, 4])
    expect(r[1].result).toHaveLength(700)
    expect(r[2].error).toEqual({ code: -32003, message: 'response too large' })
    expect(r[3].error).toEqual({ code: -32003, message: 'response too large' })
    // One answer over the limit is replaced by the error.
    expect(await postTo(rpc('test_text', [2_000], 9))).toEqual({
      jsonrpc: '2.0',
      id: 9,
      error: { code: -32003, message: 'response too large' },
    })
  })
})

describe('bounded subscriptions', () => {
  it('caps subscriptions per connection at 100 (-32006), freeing a slot on unsubscribe', async () => {
    expect(MAX_SUBSCRIPTIONS_PER_CONNECTION).toBe(100)
    const { ws, call } = await openWs()
    const ids: string[] = []
    for (let i = 0; i < 100; i++) ids.push((await call('eth_subscribe', ['newHeads'])).result)
    expect(new Set(ids).size).toBe(100)
    const over = await call('eth_subscribe', ['newHeads'])
    expect(over.error).toEqual({ code: -32006, message: 'too many subscriptions on the connection: the limit is 100' })
    expect((await call('eth_unsubscribe', [ids[0]])).result).toBe(true)
    expect((await call('eth_subscribe', ['logs', {}])).result).toMatch(/^0x/)
    // Another connection has its own 100.
    const other = await openWs()
    expect((await other.call('eth_subscribe', ['newHeads'])).result).toMatch(/^0x/)
    ws.close()
    other.ws.close()
  })
})
