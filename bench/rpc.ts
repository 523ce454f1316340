/**
 * A minimal JSON-RPC client over `fetch` for the benchmarks: no client library between the
 * load generator and the peer, so every peer pays the same (small) client cost.
 * Node's `fetch` (undici) keeps connections alive and pools them per origin.
 */

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

let nextId = 1

async function post(url: string, body: string, signal?: AbortSignal): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal,
  })
  const text = await res.text()
  if (!res.ok && text.length === 0) throw new Error(`HTTP ${res.status} from ${url}`)
  try {
    return JSON.parse(text)
  } catch {
    throw new Error(`HTTP ${res.status} from ${url}: not JSON: ${text.slice(0, 200)}`)
  }
}

/**
 * Calls one JSON-RPC method and returns its `result`; throws {@link RpcCallError} on an
 * error response.
 *
 * @example
 * const chainId = BigInt(await rpc<string>(url, 'eth_chainId'))
 */
export async function rpc<T = unknown>(
  url: string,
  method: string,
  params: unknown[] = [],
  signal?: AbortSignal,
): Promise<T> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params })
  const res = (await post(url, body, signal)) as RpcResponse
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
  signal?: AbortSignal,
): Promise<RpcResponse[]> {
  const first = nextId
  nextId += calls.length
  const body = JSON.stringify(
    calls.map((c, i) => ({ jsonrpc: '2.0', id: first + i, method: c.method, params: c.params })),
  )
  const res = await post(url, body, signal)
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
