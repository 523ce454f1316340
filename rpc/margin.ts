/**
 * The `margin_` namespace (SPEC section 5): accounts, risk reports, simulations, markets and the
 * risk parameters in force, each at an optional trailing block tag; and the `marginHealth`
 * subscription.
 */
import type { Block } from '@ethereumjs/block'
import type { GovernanceApi, MarginApi } from '../chain/types.ts'
import { InvalidMarketError, InvalidPortfolioError } from '../risk/index.ts'
import type { StoredReceipt } from '../state/types.ts'
import { InvalidParamsError } from './errors.ts'
import { arity, parseAddress, parseBlockTag } from './params.ts'
import type { RpcMethods, SubscriptionHandler } from './types.ts'

/** Domain refusals of a portfolio become -32602 naming the field. */
async function asParams<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof InvalidPortfolioError || err instanceof InvalidMarketError) {
      throw new InvalidParamsError(err.shortMessage)
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
      return asParams(() => api.simulate(portfolio))
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

/** `eth_subscribe("marginHealth", address)`: the account's risk report after every block. */
export function marginSubscriptions(api: MarginApi): Record<string, SubscriptionHandler> {
  const marginHealth: SubscriptionHandler = (args, ctx, emit) => {
    if (args.length !== 1) throw new InvalidParamsError('marginHealth takes one address')
    const address = parseAddress(args[0], 1)
    const fn = (block: Block, receipts: StoredReceipt[]) => {
      // What the block did to the account: its liquidations and bad debt, from the block's receipts.
      const logs = receipts.flatMap((r) => r.logs)
      Promise.all([api.getRiskReport(address, block.header.number), api.liquidationsIn(logs, block.header.number)]).then(
        ([report, events]) =>
          emit({
            blockNumber: `0x${block.header.number.toString(16)}`,
            address,
            ...(report as object),
            liquidations: events.filter((e) => e.account === address.toLowerCase()),
          }),
        (err) => ctx.logger.warn({ err, address }, 'marginHealth report failed'),
      )
    }
    ctx.events.on('block', fn)
    return () => ctx.events.off('block', fn)
  }
  return { marginHealth }
}
