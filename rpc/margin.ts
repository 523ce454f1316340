/**
 * The `margin_` namespace (SPEC section 5): accounts, risk reports, simulations, markets and the
 * risk parameters in force, each at an optional trailing block tag; and the `marginHealth`
 * subscription.
 */
import type { Block } from '@ethereumjs/block'
import type { GovernanceApi, LiquidationView, MarginApi } from '../chain/types.ts'
import { InvalidMarketError, InvalidPortfolioError } from '../risk/index.ts'
import type { Hex, StoredLog, StoredReceipt } from '../state/types.ts'
import { InvalidParamsError } from './errors.ts'
import { arity, parseAddress, parseBlockTag } from './params.ts'
import { deliver, groupsPer, SubscriberGroups } from './subscriberGroups.ts'
import type { RpcMethods, SubscriptionHandler } from './types.ts'

/**
 * Most bytes of a `margin_simulate` portfolio as JSON: 256 positions with inline options fit in
 * about a third of it (the counts are bounded by the kernel: `PORTFOLIO_LIMITS`).
 */
export const MAX_PORTFOLIO_BYTES = 64 * 1024

/** Domain refusals of a portfolio become -32602 naming the argument and the field. */
async function asParams<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof InvalidPortfolioError || err instanceof InvalidMarketError) {
      throw new InvalidParamsError(err.shortMessage, 0)
    }
    throw err
  }
}

/**
 * The `margin_` methods.
 *
 * @example
 * // {"method":"margin_getRiskParams","params":["0x10"]} → { imMultiplier: 1.3, haircut: { WETH: 0.1, … }, … }
 */
export function marginMethods(api: MarginApi, gov: GovernanceApi): RpcMethods {
  return {
    margin_getAccount(params) {
      const [address, tag] = arity(params, 1, 2)
      return api.getAccount(parseAddress(address, 0), parseBlockTag(tag, 1))
    },
    margin_getRiskReport(params) {
      const [address, tag] = arity(params, 1, 2)
      return api.getRiskReport(parseAddress(address, 0), parseBlockTag(tag, 1))
    },
    margin_getLiquidations(params) {
      const [from, to] = arity(params, 0, 2)
      return api.getLiquidations(parseBlockTag(from, 0, 'earliest'), parseBlockTag(to, 1))
    },
    margin_getInsuranceFund(params) {
      const [from, to] = arity(params, 0, 2)
      return api.getInsuranceFund(parseBlockTag(from, 0, 'earliest'), parseBlockTag(to, 1))
    },
    margin_simulate(params) {
      const [portfolio] = arity(params, 1, 2)
      if (typeof portfolio !== 'object' || portfolio === null || Array.isArray(portfolio)) {
        throw new InvalidParamsError('portfolio must be an object { balances, positions }', 0)
      }
      const bytes = JSON.stringify(portfolio).length
      if (bytes > MAX_PORTFOLIO_BYTES) {
        throw new InvalidParamsError(`portfolio too large: ${bytes} bytes of JSON, the limit is ${MAX_PORTFOLIO_BYTES}`, 0)
      }
      return asParams(() => api.simulate(portfolio))
    },
    margin_getLendingMarkets(params) {
      const [tag] = arity(params, 0, 1)
      return api.getLendingMarkets(parseBlockTag(tag, 0))
    },
    margin_getMarkets(params) {
      const [tag] = arity(params, 0, 1)
      return api.getMarkets(parseBlockTag(tag, 0))
    },
    /** SPEC section 6's parameters in force at the block, numbers as JSON numbers. */
    margin_getRiskParams(params) {
      const [tag] = arity(params, 0, 1)
      return gov.getRiskParams(parseBlockTag(tag, 0))
    },
  }
}

/**
 * `eth_subscribe("marginHealth", address)`: the account's risk report after every block. The
 * report of an account is computed once per block however many subscribe to it (over every
 * connection of the server), one account after another. While a block's reports are under way,
 * the blocks that arrive wait as one: the next round reports the newest, with the liquidations
 * of those it skipped, so a slow round never piles up work.
 */
export function marginSubscriptions(api: MarginApi): Record<string, SubscriptionHandler> {
  const healthGroups = groupsPer<Hex>((ctx) => {
    let running = false
    let next: { block: Block; logs: StoredLog[] } | undefined
    const groups: SubscriberGroups<Hex> = new SubscriberGroups(() => {
      const fn = (block: Block, receipts: StoredReceipt[]) => {
        // What the block did to the accounts: its liquidations and bad debt, from its receipts.
        const logs = receipts.flatMap((r) => r.logs)
        next = { block, logs: next ? [...next.logs, ...logs] : logs }
        if (!running) void drain()
      }
      ctx.events.on('block', fn)
      return () => ctx.events.off('block', fn)
    })
    const onError = (err: unknown) => ctx.logger.error({ err }, 'marginHealth notification failed')
    async function drain(): Promise<void> {
      running = true
      try {
        while (next !== undefined && groups.size > 0) {
          const { block, logs } = next
          next = undefined
          await reportBlock(block, logs)
        }
      } finally {
        running = false
        next = groups.size > 0 ? next : undefined
      }
    }
    async function reportBlock(block: Block, logs: StoredLog[]): Promise<void> {
      const n = block.header.number
      let events: LiquidationView[] = []
      try {
        events = await api.liquidationsIn(logs, n)
      } catch (err) {
        ctx.logger.warn({ err, block: Number(n) }, 'marginHealth liquidations failed')
      }
      for (const g of groups.list()) {
        const address = g.value
        try {
          const report = await api.getRiskReport(address, n)
          deliver(
            g,
            {
              blockNumber: `0x${n.toString(16)}`,
              address,
              ...(report as object),
              liquidations: events.filter((e) => e.account === address),
            },
            onError,
          )
        } catch (err) {
          ctx.logger.warn({ err, address }, 'marginHealth report failed')
        }
      }
    }
    return groups
  })

  const marginHealth: SubscriptionHandler = (args, ctx, emit) => {
    if (args.length !== 1) throw new InvalidParamsError('marginHealth takes one address')
    const address = parseAddress(args[0], 1)
    return healthGroups(ctx).add(address, address, emit)
  }
  return { marginHealth }
}
