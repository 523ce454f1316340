import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { DASHBOARD_CSP, registerDashboard } from './serve.ts'

describe('dashboard routes', () => {
  const app = Fastify()
  registerDashboard(app, (_req, reply) => reply.send({ status: 'ok' }))

  it('GET / is the page for a browser and the fallback (health JSON) for anything else', async () => {
    const page = await app.inject({ url: '/', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } })
    expect(page.headers['content-type']).toContain('text/html')
    expect(page.headers['content-security-policy']).toBe(DASHBOARD_CSP)
    expect(page.body).toContain('data-testid="account-input"')
    expect(page.body).not.toMatch(/https?:\/\//) // nothing referenced outside the node
    expect((await app.inject({ url: '/' })).json()).toEqual({ status: 'ok' })
  })

  it('serves the bundled script (built once, viem inside, no outside URL to load) and the style', async () => {
    const js = await app.inject({ url: '/dashboard/app.js' })
    expect(js.statusCode).toBe(200)
    expect(js.headers['content-type']).toContain('javascript')
    expect(js.body.length).toBeGreaterThan(20_000)
    expect(js.body.length).toBeLessThan(400_000)
    expect(js.body).not.toMatch(/\bimport\s*\(?\s*["']https?:/)
    const css = await app.inject({ url: '/dashboard/app.css' })
    expect(css.headers['content-type']).toContain('text/css')
    expect(css.body).not.toMatch(/url\(|@import/)
  })
})
