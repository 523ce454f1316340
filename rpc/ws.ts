/**
 * The WebSocket transport (`ws`): JSON-RPC messages on the HTTP port's upgrade, and the
 * subscriptions that live and die with a connection, at most 100 of them; a client too slow to
 * read its notifications, or silent to pings, is dropped so it cannot hold the node's memory.
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import { type WebSocket, WebSocketServer } from 'ws'
import type { Hex } from '../state/types.ts'
import { MAX_BODY_BYTES, MAX_DRAIN_BYTES, tooLargeJson } from './dispatch.ts'
import { InvalidParamsError, TooManySubscriptionsError } from './errors.ts'
import type { RpcConnection, RpcContext, SubscriptionHandler, Unsubscribe } from './types.ts'

/**
 * Most live subscriptions on one WebSocket connection (geth and Anvil set none; reth 1,024); one
 * more is refused with -32006.
 */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 100
/** A WebSocket client whose unsent notifications exceed this many bytes is disconnected. */
export const MAX_WS_BUFFERED_BYTES = 64 * 1024 * 1024
/** Interval of WebSocket pings; a client that has not answered the previous one is dropped. */
export const WS_PING_INTERVAL_MS = 30_000

/** Options of `createWsTransport`. */
export interface WsTransportOptions {
  /** The context of every call; each connection adds itself as `connection`. */
  baseCtx: RpcContext
  /** `eth_subscribe` kind → handler; looked up at each subscribe, so kinds registered later are found. */
  subscriptionKinds: ReadonlyMap<string, SubscriptionHandler>
  /** Most subscriptions on one connection (default `MAX_SUBSCRIPTIONS_PER_CONNECTION`). */
  maxSubscriptionsPerConnection?: number
  /** Answers a message's text on a connection (undefined when nothing is owed): the server's dispatch. */
  handle(text: string, ctx: RpcContext): Promise<string | undefined>
}

/** The WebSocket side of the server, attached to the HTTP server's `upgrade` event. */
export interface WsTransport {
  /** The HTTP server's `upgrade` listener. */
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Starts pinging clients, dropping those that did not answer the last ping. */
  startPings(): void
  /** Stops pinging, drops every client (their subscriptions stop) and closes the server. */
  close(): Promise<void>
}

/** What a connection needs from its transport. */
interface ConnectionDeps extends WsTransportOptions {
  readonly logger: Logger
  readonly maxSubscriptions: number
  readonly notification: (id: Hex, result: unknown) => string | undefined
}

/**
 * Creates the WebSocket transport.
 *
 * @example
 * const ws = createWsTransport({ baseCtx, subscriptionKinds, handle: (text, ctx) => dispatchText(text, ctx, { methods }) })
 * app.server.on('upgrade', ws.onUpgrade)
 */
export function createWsTransport(opts: WsTransportOptions): WsTransport {
  const logger = opts.baseCtx.logger
  // Messages up to MAX_DRAIN_BYTES are received so that one over MAX_BODY_BYTES gets a JSON-RPC
  // error and the connection stays; larger ones close it (1009).
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_DRAIN_BYTES })
  const alive = new WeakMap<WebSocket, boolean>()
  let pingTimer: NodeJS.Timeout | undefined
  const deps: ConnectionDeps = {
    ...opts,
    logger,
    maxSubscriptions: opts.maxSubscriptionsPerConnection ?? MAX_SUBSCRIPTIONS_PER_CONNECTION,
    notification: notificationWriter(logger),
  }
  wss.on('connection', (ws: WebSocket) => {
    alive.set(ws, true)
    ws.on('pong', () => alive.set(ws, true))
    onConnection(ws, deps)
  })

  return {
    onUpgrade(req, socket, head) {
      socket.on('error', () => socket.destroy())
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
    },
    startPings() {
      pingTimer = setInterval(() => {
        for (const ws of wss.clients) {
          if (!alive.get(ws)) {
            ws.terminate()
            continue
          }
          alive.set(ws, false)
          ws.ping()
        }
      }, WS_PING_INTERVAL_MS)
      pingTimer.unref()
    },
    async close() {
      if (pingTimer) clearInterval(pingTimer)
      for (const ws of wss.clients) ws.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
    },
  }
}

/**
 * A notification's JSON. A result shared by many subscriptions (a group's: subscriberGroups.ts)
 * is serialized once, however many connections it goes to.
 */
function notificationWriter(logger: Logger): (id: Hex, result: unknown) => string | undefined {
  const resultJson = new WeakMap<object, string>()
  return (id, result) => {
    let json: string | undefined
    try {
      if (typeof result === 'object' && result !== null) {
        json = resultJson.get(result)
        if (json === undefined) {
          json = JSON.stringify(result)
          resultJson.set(result, json)
        }
      } else json = JSON.stringify(result ?? null)
    } catch (err) {
      logger.error({ err }, 'subscription result is not serializable')
      return undefined
    }
    return `{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"${id}","result":${json}}}`
  }
}

/** Serves one connection: its messages in, answers and notifications out, its subscriptions stopped on close. */
function onConnection(ws: WebSocket, deps: ConnectionDeps): void {
  const { logger } = deps
  const notify = (id: Hex, result: unknown): void => {
    if (ws.readyState !== ws.OPEN) return
    if (ws.bufferedAmount > MAX_WS_BUFFERED_BYTES) {
      logger.warn({ buffered: ws.bufferedAmount }, 'slow WebSocket client disconnected')
      ws.terminate()
      return
    }
    const text = deps.notification(id, result)
    if (text !== undefined) ws.send(text)
  }
  const { ctx, stopAll } = connectionSubscriptions(ws, deps, notify)
  ws.on('message', (data) => {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer)
    if (buf.length > MAX_BODY_BYTES) {
      ws.send(tooLargeJson('message', logger))
      return
    }
    deps.handle(buf.toString('utf8'), ctx).then(
      (out) => {
        if (out !== undefined && ws.readyState === ws.OPEN) ws.send(out)
      },
      (err) => logger.error({ err }, 'WebSocket message failed'),
    )
  })
  ws.on('error', (err) => logger.debug({ err }, 'WebSocket error'))
  ws.on('close', stopAll)
}

/**
 * The subscriptions of one connection, as the `connection` of its calls' context. Those being set
 * up (their handler awaited) count against the limit too, so a burst of eth_subscribe cannot
 * overshoot it.
 */
function connectionSubscriptions(
  ws: WebSocket,
  deps: ConnectionDeps,
  notify: (id: Hex, result: unknown) => void,
): { ctx: RpcContext; stopAll(): void } {
  const subs = new Map<string, Unsubscribe>()
  let starting = 0
  const connection: RpcConnection = {
    async subscribe(kind, args) {
      const handler = deps.subscriptionKinds.get(kind)
      if (!handler) {
        throw new InvalidParamsError(`no "${kind.slice(0, 50)}" subscription in eth namespace`)
      }
      if (subs.size + starting >= deps.maxSubscriptions) throw new TooManySubscriptionsError(deps.maxSubscriptions)
      const id = `0x${randomBytes(16).toString('hex')}` as Hex
      let ready = false
      const early: unknown[] = []
      // Notifications go out only after the subscription id has been answered.
      const emit = (result: unknown) => (ready ? notify(id, result) : early.push(result))
      let stop: Unsubscribe
      starting++
      try {
        stop = await handler(args, ctx, emit)
      } finally {
        starting--
      }
      if (ws.readyState !== ws.OPEN) {
        stop()
        return id
      }
      subs.set(id, stop)
      setImmediate(() => {
        ready = true
        for (const r of early.splice(0)) notify(id, r)
      })
      return id
    },
    unsubscribe(id) {
      const stop = subs.get(id.toLowerCase())
      if (!stop) return false
      subs.delete(id.toLowerCase())
      stop()
      return true
    },
  }
  const ctx: RpcContext = { ...deps.baseCtx, connection }
  const stopAll = (): void => {
    for (const stop of subs.values()) {
      try {
        stop()
      } catch (err) {
        deps.logger.error({ err }, 'unsubscribe failed')
      }
    }
    subs.clear()
  }
  return { ctx, stopAll }
}
