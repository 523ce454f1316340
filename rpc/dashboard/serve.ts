/**
 * Serves the dashboard (SPEC section 10) from the node itself: `GET /` (for a browser, i.e. a
 * request that accepts text/html) is the page, `GET /dashboard/app.js` its script and
 * `GET /dashboard/app.css` its style; nothing comes from anywhere else, and the page's
 * Content-Security-Policy says so to the browser too. The script is bundled from
 * `rpc/dashboard/app.ts` (plain TypeScript + viem) by esbuild on the first request and kept in
 * memory: no build step to forget, a node that never serves the page never pays for it.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url))

/**
 * Only the node's own origin: scripts, styles and connections (HTTP and the WebSocket, which
 * CSP level 3 counts as 'self' on the same host and port).
 */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/**
 * Bundles the page's script (ESM, minified, for current browsers) into a string.
 *
 * @example const js = await bundleDashboard() // 'var …' (~100 kB)
 */
export async function bundleDashboard(): Promise<string> {
  const { build } = await import('esbuild')
  const out = await build({
    entryPoints: [here('./app.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  })
  return out.outputFiles[0].text
}

/** True when the request is a browser's page load (Accept names text/html). */
export function wantsHtml(req: FastifyRequest): boolean {
  return String(req.headers.accept ?? '').includes('text/html')
}

/**
 * Adds the dashboard's routes to `app`. `fallback` answers `GET /` for everything that is not
 * a browser (the health JSON of old, for scripts and load balancers).
 */
export function registerDashboard(app: FastifyInstance, fallback: (req: FastifyRequest, reply: FastifyReply) => unknown): void {
  let script: Promise<string> | undefined
  const page = readFileSync(here('./index.html'), 'utf8')
  const css = readFileSync(here('./style.css'), 'utf8')
  const send = (reply: FastifyReply, type: string, body: string) =>
    reply
      .code(200)
      .header('content-type', type)
      .header('content-security-policy', DASHBOARD_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-cache')
      .send(body)
  app.get('/', (req, reply) => (wantsHtml(req) ? send(reply, 'text/html; charset=utf-8', page) : fallback(req, reply)))
  app.get('/dashboard/app.css', (_req, reply) => send(reply, 'text/css; charset=utf-8', css))
  app.get('/dashboard/app.js', async (_req, reply) => {
    script ??= bundleDashboard()
    try {
      return send(reply, 'text/javascript; charset=utf-8', await script)
    } catch (err) {
      script = undefined
      throw err
    }
  })
}
