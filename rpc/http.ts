/**
 * The HTTP transport (fastify): JSON-RPC posted to any path, CORS for any origin, a 5 MB body
 * drained rather than reset, the health JSON and the dashboard. What a body means is `dispatch`'s
 * business; here is only how it arrives and how the answer leaves.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { ChainApi } from '../chain/types.ts'
import { registerDashboard } from './dashboard/serve.ts'
import { errorResponse, MAX_BODY_BYTES, MAX_DRAIN_BYTES, serializeResponse, tooLargeJson } from './dispatch.ts'
import { InvalidRequestError, toRpcError } from './errors.ts'

/** Options of `createHttpApp`. */
export interface HttpTransportOptions {
  chain: ChainApi
  logger: Logger
  /** Answers a request's text (undefined when nothing is owed): the server's dispatch. */
  handle(text: string): Promise<string | undefined>
}

/** The parsed body of a request over MAX_BODY_BYTES. */
const TOO_LARGE = Symbol('request body too large')

/** The error fastify itself raises for an oversized body; the error handler answers it. */
function bodyTooLarge(): Error {
  return Object.assign(new Error('request body too large'), {
    code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    statusCode: 413,
  })
}

const sendJson = (reply: FastifyReply, status: number, body: string) =>
  reply.code(status).header('content-type', 'application/json').send(body)

/**
 * Creates the fastify app of the JSON-RPC server, routes registered, not listening.
 *
 * @example
 * const app = createHttpApp({ chain, logger, handle: (text) => dispatchText(text, ctx, { methods }) })
 * await app.listen({ host: '127.0.0.1', port: 8545 })
 */
export function createHttpApp(opts: HttpTransportOptions): FastifyInstance {
  const { chain, logger } = opts
  const app: FastifyInstance = Fastify({
    logger: false,
    // Enforced by our parser below (which drains what is over); this one only backs it up.
    bodyLimit: MAX_DRAIN_BYTES,
    forceCloseConnections: true,
  })
  allowAnyOrigin(app)
  parseEveryBody(app)
  answerFailures(app, logger)

  const post = async (req: FastifyRequest, reply: FastifyReply) => {
    const body = req.body
    if (body === TOO_LARGE) return sendJson(reply, 413, tooLargeJson('body', logger))
    const text = typeof body === 'string' ? body : body === undefined || body === null ? '' : String(body)
    const out = await opts.handle(text)
    if (out === undefined) return reply.code(200).send('')
    return sendJson(reply, 200, out)
  }
  app.post('/', post)
  app.post('/*', post)
  const health = async (_req: unknown, reply: FastifyReply) =>
    sendJson(
      reply,
      200,
      JSON.stringify({
        status: 'ok',
        chainId: `0x${chain.chainId.toString(16)}`,
        blockNumber: `0x${chain.headNumber().toString(16)}`,
        clientVersion: chain.clientVersion,
      }),
    )
  // GET / is the dashboard for a browser (SPEC 10), the health JSON for anything else.
  registerDashboard(app, health)
  app.get('/health', health)
  return app
}

/**
 * CORS for browser wallets and dapps on any origin, as geth's `--http.corsdomain '*'`: every
 * answer allows any origin, a preflight allows the headers it asks for. (A hook instead of
 * @fastify/cors, whose per-request origin resolution cost 2% of a transfer's CPU.)
 */
function allowAnyOrigin(app: FastifyInstance): void {
  app.addHook('onRequest', (_req, reply, done) => {
    reply.header('access-control-allow-origin', '*')
    done()
  })
  const preflight = async (req: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(204)
      .header('access-control-allow-methods', 'GET, POST, OPTIONS')
      .header('access-control-allow-headers', req.headers['access-control-request-headers'] ?? 'content-type, authorization')
      .header('access-control-max-age', '86400')
      .send()
  app.options('/', preflight)
  app.options('/*', preflight)
}

/**
 * Our own parser for every content type (and none): the body is JSON-RPC whatever the header.
 * A body over the limit is read to its end and dropped, so the client, still sending, gets to
 * read the JSON-RPC error instead of a reset connection (EPIPE in Node's fetch).
 */
function parseEveryBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (req, payload, done) => {
    const declared = Number(req.headers['content-length'])
    if (declared > MAX_DRAIN_BYTES) return done(bodyTooLarge(), undefined)
    const chunks: Buffer[] = []
    let size = 0
    let over = false
    payload.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (over) {
        if (size > MAX_DRAIN_BYTES) payload.destroy(bodyTooLarge())
        return
      }
      if (size > MAX_BODY_BYTES) {
        over = true
        chunks.length = 0
        return
      }
      chunks.push(chunk)
    })
    payload.on('end', () => done(null, over ? TOO_LARGE : Buffer.concat(chunks, size).toString('utf8')))
    payload.on('error', (err) => done(err, undefined))
  })
}

/** Whatever fails before dispatch (a body too large, a bad path, a fastify error) still gets JSON-RPC. */
function answerFailures(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((err: { code?: string; statusCode?: number; message: string }, _req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendJson(reply, 413, tooLargeJson('body', logger))
    if (err.statusCode && err.statusCode < 500) {
      const e = new InvalidRequestError(`invalid request: ${err.message}`)
      return sendJson(reply, err.statusCode, serializeResponse(errorResponse(null, e), logger))
    }
    logger.error({ err }, 'HTTP request failed')
    return sendJson(reply, 500, serializeResponse(errorResponse(null, toRpcError(err).error), logger))
  })
  app.setNotFoundHandler((_req, reply) =>
    sendJson(reply, 404, serializeResponse(errorResponse(null, new InvalidRequestError('not found: POST JSON-RPC to /')), logger)),
  )
}
