/**
 * Raw JSON-RPC over HTTP and WebSocket, for what viem hides: error codes, malformed bodies,
 * batches and `eth_subscribe`.
 */
import WebSocket from 'ws'

/** A JSON-RPC response object. */
export interface RpcResponse {
  jsonrpc: '2.0'
  id: number | string | null
  result?: any
  error?: { code: number; message: string; data?: unknown }
}

/** POSTs `body` verbatim; returns the HTTP status and the parsed body (or its text). */
export async function postRaw(url: string, body: string): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  })
  const text = await res.text()
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  return { status: res.status, body: parsed, text }
}

let nextId = 1

/** One call; resolves with the whole response (result or error), never throws on an RPC error. */
export async function rpc(url: string, method: string, params: unknown[] = []): Promise<RpcResponse> {
  const { body, text, status } = await postRaw(url, JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }))
  if (body === undefined) throw new Error(`${method}: HTTP ${status}, not JSON: ${text.slice(0, 200)}`)
  return body as RpcResponse
}

/** The parts of `margin_getRiskReport` (SPEC 5) the suites read. */
export interface RiskReportJson {
  equity: string
  initialMargin: string
  maintenanceMargin: string
  health: string
  liquidatable: boolean
  greeks: { underlying: string; delta: string }[]
}

/** One call; resolves with its result, throws on an RPC error. */
export async function rpcResult<T = any>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await rpc(url, method, params)
  if (res.error) throw new Error(`${method}: ${res.error.code} ${res.error.message}`)
  return res.result as T
}

/** A raw WebSocket JSON-RPC connection that collects subscription notifications. */
export interface WsRpc {
  call(method: string, params?: unknown[]): Promise<RpcResponse>
  /** Notifications received for `subscription` so far (the `result` of each). */
  notifications(subscription: string): any[]
  /** Resolves once `count` notifications arrived for `subscription`, or rejects after `timeoutMs`. */
  waitFor(subscription: string, count: number, timeoutMs?: number): Promise<any[]>
  close(): void
}

/** Opens a WebSocket to `wsUrl` and resolves once it is open. */
export async function openWs(wsUrl: string): Promise<WsRpc> {
  const ws = new WebSocket(wsUrl)
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  const pending = new Map<number, (r: RpcResponse) => void>()
  const notes = new Map<string, any[]>()
  const waiters = new Set<() => void>()
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data))
    if (msg.method === 'eth_subscription') {
      const { subscription, result } = msg.params
      const list = notes.get(subscription) ?? []
      list.push(result)
      notes.set(subscription, list)
      for (const w of waiters) w()
    } else if (typeof msg.id === 'number' && pending.has(msg.id)) {
      pending.get(msg.id)?.(msg)
      pending.delete(msg.id)
    }
  })
  return {
    call(method, params = []) {
      const id = nextId++
      return new Promise((resolve) => {
        pending.set(id, resolve)
        ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }))
      })
    },
    notifications: (sub) => notes.get(sub) ?? [],
    waitFor(sub, count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const got = notes.get(sub) ?? []
          if (got.length >= count) {
            waiters.delete(check)
            clearTimeout(timer)
            resolve(got)
          }
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`subscription ${sub}: ${(notes.get(sub) ?? []).length} of ${count} notifications in ${timeoutMs} ms`))
        }, timeoutMs)
        waiters.add(check)
        check()
      })
    },
    close: () => ws.close(),
  }
}
