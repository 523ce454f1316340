/**
 * The load of the throughput benchmark, phase by phase: prepare (read the chain, sign), send
 * (single requests or batches), wait for the receipts, verify. Every call takes the transport and
 * the abort signal of its phase.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { type RpcCallOptions, rpc, rpcBatch, type Transport } from './rpc.ts'
import { devAccounts, type SignedTransfer, type SignedTransfers, signTransfers, type TransferPlan } from './transfers.ts'

/** Transactions per JSON-RPC batch in `batch50` mode. */
export const BATCH_SIZE = 50
/** Interval between receipt polls, milliseconds. */
export const POLL_MS = 20
const GWEI = 10n ** 9n

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const DEFAULT_MAX_FEE = 100n * GWEI
const DEFAULT_TIP = GWEI

/** Signed sets by chain id, nonces and fee: every peer starts from the same genesis, so one set fits all. */
const signedCache = new Map<string, Promise<SignedTransfers>>()

/** {@link signTransfers}, remembered by plan. */
export function signedFor(plan: TransferPlan): Promise<SignedTransfers> {
  const key = `${plan.chainId}/${plan.nonces.join(',')}/${plan.txs}/${plan.maxFeePerGasWei}/${plan.maxPriorityFeePerGasWei}`
  let signed = signedCache.get(key)
  if (!signed) {
    signed = signTransfers(plan)
    signedCache.set(key, signed)
  }
  return signed
}

/**
 * Reads the chain id, the senders' next nonces and the base fee, and returns the signed transfers
 * (signed once per chain id, nonces and fee) and the head block right before the clock starts.
 */
export async function prepare(url: string, txs: number, io: RpcCallOptions) {
  const chainId = Number(BigInt(await rpc<string>(url, 'eth_chainId', [], io)))
  const senders = devAccounts(10)
  const nonces = await Promise.all(
    senders.map(async (a) => Number(BigInt(await rpc<string>(url, 'eth_getTransactionCount', [a.address, 'pending'], io)))),
  )
  const latest = await rpc<{ number: string; baseFeePerGas?: string }>(url, 'eth_getBlockByNumber', ['latest', false], io)
  const baseFee = BigInt(latest.baseFeePerGas ?? '0x0')
  // 100 gwei covers the base fee at start on every peer and its rise over a few full blocks.
  const tip = DEFAULT_TIP
  const maxFee = baseFee * 8n + tip > DEFAULT_MAX_FEE ? baseFee * 8n + tip : DEFAULT_MAX_FEE
  const ready = await signedFor({ chainId, txs, nonces, maxFeePerGasWei: maxFee, maxPriorityFeePerGasWei: tip })
  // The head right before the clock starts (signing the first set takes a few seconds).
  const head = await rpc<string>(url, 'eth_blockNumber', [], io)
  return { signed: ready, nonces, startBlock: Number(BigInt(head)) }
}

/** Sends every transaction as its own request, `concurrency` requests in flight; throws on the first refusal. */
export async function sendSingle(url: string, txs: SignedTransfer[], concurrency: number, io: RpcCallOptions): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < txs.length) {
      io.signal?.throwIfAborted()
      const tx = txs[next++]
      const hash = await rpc<string>(url, 'eth_sendRawTransaction', [tx.raw], io)
      if (hash.toLowerCase() !== tx.hash) throw new Error(`eth_sendRawTransaction returned ${hash}, expected ${tx.hash}`)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, txs.length) }, worker))
}

/** Sends the transactions in JSON-RPC batches of `BATCH_SIZE`, `concurrency` batches in flight; throws on the first refusal. */
export async function sendBatches(url: string, txs: SignedTransfer[], concurrency: number, io: RpcCallOptions): Promise<void> {
  const batches: SignedTransfer[][] = []
  for (let i = 0; i < txs.length; i += BATCH_SIZE) batches.push(txs.slice(i, i + BATCH_SIZE))
  let next = 0
  const worker = async () => {
    while (next < batches.length) {
      io.signal?.throwIfAborted()
      const batch = batches[next++]
      const answers = await rpcBatch(
        url,
        batch.map((tx) => ({ method: 'eth_sendRawTransaction', params: [tx.raw] })),
        io,
      )
      answers.forEach((a, i) => {
        if (a.error)
          throw new Error(`eth_sendRawTransaction (nonce ${batch[i].nonce} of ${batch[i].from}): ${a.error.message} (code ${a.error.code})`)
        if (String(a.result).toLowerCase() !== batch[i].hash)
          throw new Error(`eth_sendRawTransaction returned ${a.result}, expected ${batch[i].hash}`)
      })
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker))
}

/** Polls the receipts of `hashes` until all are in; returns the highest block number holding one. */
export async function waitForReceipts(url: string, hashes: string[], io: RpcCallOptions): Promise<number> {
  const pending = new Set(hashes)
  let lastBlock = 0
  while (pending.size > 0) {
    io.signal?.throwIfAborted()
    const found = await Promise.all(
      [...pending].map(
        async (h) => [h, await rpc<{ status: string; blockNumber: string } | null>(url, 'eth_getTransactionReceipt', [h], io)] as const,
      ),
    )
    for (const [h, receipt] of found) {
      if (!receipt) continue
      if (receipt.status !== '0x1') throw new Error(`transaction ${h} failed (status ${receipt.status})`)
      lastBlock = Math.max(lastBlock, Number(BigInt(receipt.blockNumber)))
      pending.delete(h)
    }
    if (pending.size > 0) await sleep(POLL_MS)
  }
  return lastBlock
}

/** Outside the clock: every sender's nonce moved by what it sent and the blocks hold exactly `txs` transactions. */
export async function verify(
  url: string,
  signed: SignedTransfers,
  nonces: number[],
  startBlock: number,
  lastBlock: number,
  io: RpcCallOptions,
) {
  const senders = devAccounts(nonces.length)
  const sent = new Array(senders.length).fill(0)
  for (const tx of signed.ordered) sent[senders.findIndex((a) => a.address === tx.from)]++
  for (let s = 0; s < senders.length; s++) {
    const now = Number(BigInt(await rpc<string>(url, 'eth_getTransactionCount', [senders[s].address, 'latest'], io)))
    if (now !== nonces[s] + sent[s]) throw new Error(`sender ${senders[s].address}: nonce ${now}, expected ${nonces[s] + sent[s]}`)
  }
  let mined = 0
  for (let b = startBlock + 1; b <= lastBlock; b++) {
    mined += Number(BigInt(await rpc<string>(url, 'eth_getBlockTransactionCountByNumber', [`0x${b.toString(16)}`], io)))
  }
  if (mined !== signed.ordered.length)
    throw new Error(`blocks ${startBlock + 1}..${lastBlock} hold ${mined} transactions, ${signed.ordered.length} were sent`)
}

/**
 * Warms up the load generator (JIT, connection pool) before anything is timed: the transfers a
 * run will send (chain id 31338, fresh nonces) go once as single requests and once as batches to
 * a stub server in this process that answers each with its hash. Without it the first timed run
 * pays for the client's warm-up.
 */
export async function warmUpClient(
  txs: number,
  transport: Transport,
  concurrency: number,
  batchConcurrency: number,
  signal: AbortSignal,
): Promise<void> {
  const signed = await signedFor({
    chainId: 31338,
    txs,
    nonces: Array(10).fill(0),
    maxFeePerGasWei: DEFAULT_MAX_FEE,
    maxPriorityFeePerGasWei: DEFAULT_TIP,
  })
  const hashOf = new Map<string, string>(signed.ordered.map((t) => [t.raw, t.hash]))
  const answer = (c: { id: unknown; params: string[] }) => ({ jsonrpc: '2.0', id: c.id, result: hashOf.get(c.params[0]) ?? null })
  const server = http.createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (d: string) => {
      body += d
    })
    req.on('end', () => {
      const payload = JSON.parse(body)
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(Array.isArray(payload) ? payload.map(answer) : answer(payload)))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    await sendSingle(url, signed.ordered, concurrency, { signal, transport })
    await sendBatches(url, signed.ordered, batchConcurrency, { signal, transport })
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}
