/**
 * A minimal JSON-RPC client for the benchmarks: no client library between the load generator
 * and the peer, so every peer pays the same client cost. Two transports, both keep-alive:
 * `fetch` (Node's undici; the default, what a browser dapp or viem's http transport does) and
 * `http` (`node:http` with a keep-alive agent; several times fewer CPU cycles per request, so
 * the load generator is less often the limit).
 */
import http from 'node:http'

/** One JSON-RPC 2.0 response object. */
export interface RpcResponse {
  jsonrpc: '2.0'
  id: number | string | null
  result?: unknown
  error?: { code: number; message: string; data?: unknown }
}

/** A JSON-RPC error response turned into an exception, with the method that got it. */
export class RpcCallError extends Error {
  readonly code: number
  constructor(method: string, error: { code: number; message: string }) {
    super(`${method}: ${error.message} (code ${error.code})`)
    this.name = 'RpcCallError'
    this.code = error.code
  }
}

/** How requests travel: `fetch` (undici) or `node:http` with a keep-alive agent. */
export type Transport = 'fetch' | 'http'

/** Per call: an abort signal and the transport (default `fetch`). */
export interface RpcCallOptions {
  signal?: AbortSignal
  transport?: Transport
}

let nextId = 1
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 })

async function postFetch(url: string, body: string, signal?: AbortSignal): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal,
  })
  return { status: res.status, text: await res.text() }
}

function postHttp(url: string, body: string, signal?: AbortSignal): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        signal,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => {
          text += d
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

async function post(url: string, body: string, opts: RpcCallOptions): Promise<unknown> {
  const { status, text } = await (opts.transport === 'http' ? postHttp : postFetch)(url, body, opts.signal)
  if (text.length === 0) throw new Error(`HTTP ${status} from ${url} with an empty body`)
  try {
    return JSON.parse(text)
  } catch {
    throw new Error(`HTTP ${status} from ${url}: not JSON: ${text.slice(0, 200)}`)
  }
}

/**
 * Calls one JSON-RPC method and returns its `result`; throws {@link RpcCallError} on an
 * error response.
 *
 * @example
 * const chainId = BigInt(await rpc<string>(url, 'eth_chainId'))
 */
export async function rpc<T = unknown>(url: string, method: string, params: unknown[] = [], opts: RpcCallOptions = {}): Promise<T> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params })
  const res = (await post(url, body, opts)) as RpcResponse
  if (res.error) throw new RpcCallError(method, res.error)
  return res.result as T
}

/**
 * Sends one JSON-RPC batch and returns the responses in the order of `calls` (a batch answer
 * may come back in any order; they are matched by id).
 */
export async function rpcBatch(
  url: string,
  calls: { method: string; params: unknown[] }[],
  opts: RpcCallOptions = {},
): Promise<RpcResponse[]> {
  const first = nextId
  nextId += calls.length
  const body = JSON.stringify(calls.map((c, i) => ({ jsonrpc: '2.0', id: first + i, method: c.method, params: c.params })))
  const res = await post(url, body, opts)
  if (!Array.isArray(res)) {
    const err = (res as RpcResponse).error
    throw new Error(`batch refused: ${err ? `${err.message} (code ${err.code})` : 'not an array'}`)
  }
  const byId = new Map<unknown, RpcResponse>()
  for (const r of res as RpcResponse[]) byId.set(r.id, r)
  return calls.map(
    (c, i) =>
      byId.get(first + i) ?? {
        jsonrpc: '2.0',
        id: first + i,
        error: { code: -32603, message: `no answer to ${c.method} in the batch` },
      },
  )
}
