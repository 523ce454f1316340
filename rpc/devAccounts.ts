/**
 * Unlocked dev accounts (SPEC 9), with Anvil's names and answers: `eth_accounts`,
 * `eth_sendTransaction` (filled, signed with the account's key and admitted like any raw
 * transaction), `eth_sign`, `personal_sign` (EIP-191) and `eth_signTypedData_v4` (EIP-712).
 * Served only on the dev chain or with `--dev-methods` (app/start.ts): the keys are public.
 */
import { type Hex, hexToBytes, type PrivateKeyAccount, type TypedDataDefinition } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { ChainApi } from '../chain/types.ts'
import { InvalidParamsError } from './errors.ts'
import { arity, parseAddress, parseCallRequest, parseData } from './params.ts'
import type { RpcMethods } from './types.ts'

/** Anvil's answer to a `from` (or signer) it holds no key for. */
export class NoSignerError extends InvalidParamsError {
  override name = 'NoSignerError'
  constructor() {
    super('No Signer available')
  }
}

/**
 * The dev-account methods over `keys` (private keys, in `eth_accounts` order).
 *
 * @example
 * rpc.register(devAccountMethods(DEV_ACCOUNTS.map(([, key]) => key)))
 * // eth_accounts → ['0xf39f…2266', …]; eth_sendTransaction({from, to, value}) → tx hash
 */
export function devAccountMethods(keys: readonly Hex[]): RpcMethods {
  const accounts = keys.map((k) => privateKeyToAccount(k))
  const byAddress = new Map(accounts.map((a) => [a.address.toLowerCase(), a]))
  const signer = (address: Hex): PrivateKeyAccount => {
    const account = byAddress.get(address.toLowerCase())
    if (account === undefined) throw new NoSignerError()
    return account
  }
  return {
    eth_accounts: (p) => (arity(p, 0, 0), accounts.map((a) => a.address.toLowerCase())),
    eth_sendTransaction: async (p, { chain }) => {
      const [t] = arity(p, 1, 1)
      const req = parseCallRequest(t, 0)
      if (accounts.length === 0) throw new NoSignerError()
      const account = req.from === undefined ? accounts[0] : signer(req.from)
      const raw = await signFilled(account, req, chain)
      return chain.sendRawTransaction(hexToBytes(raw))
    },
    eth_sign: (p) => {
      const [a, m] = arity(p, 2, 2)
      return signer(parseAddress(a, 0)).signMessage({ message: { raw: parseData(m, 1) } })
    },
    personal_sign: (p) => {
      const [m, a] = arity(p, 2, 2)
      return signer(parseAddress(a, 1)).signMessage({ message: { raw: parseData(m, 0) } })
    },
    eth_signTypedData_v4: (p) => {
      const [a, d] = arity(p, 2, 2)
      const account = signer(parseAddress(a, 0))
      return account.signTypedData(parseTypedData(d, 1))
    },
  }
}

/**
 * Fills what the request leaves out as Anvil does (nonce: the pending nonce; gas: the estimate;
 * fees: EIP-1559 from the node's suggestions, or legacy when `gasPrice` is given; the chain id)
 * and signs it.
 */
async function signFilled(account: PrivateKeyAccount, req: ReturnType<typeof parseCallRequest>, chain: ChainApi): Promise<Hex> {
  const from = account.address.toLowerCase() as Hex
  const nonce = req.nonce ?? (await chain.getTransactionCount(from, 'pending'))
  const gas = req.gas ?? (await chain.estimateGas({ ...req, from }, 'latest'))
  const common = {
    chainId: Number(chain.chainId),
    to: req.to,
    value: req.value,
    data: req.data,
    gas,
    nonce: Number(nonce),
  }
  if (req.gasPrice !== undefined) return account.signTransaction({ ...common, type: 'legacy', gasPrice: req.gasPrice })
  const maxPriorityFeePerGas = req.maxPriorityFeePerGas ?? chain.maxPriorityFeePerGas()
  const suggested = chain.gasPrice()
  const maxFeePerGas = req.maxFeePerGas ?? (suggested > maxPriorityFeePerGas ? suggested : maxPriorityFeePerGas)
  return account.signTransaction({
    ...common,
    type: 'eip1559',
    maxFeePerGas,
    maxPriorityFeePerGas,
    accessList: req.accessList,
  })
}

/** EIP-712 typed data, as an object or its JSON text (MetaMask's and Anvil's forms). */
function parseTypedData(v: unknown, index: number): TypedDataDefinition {
  let o = v
  if (typeof v === 'string') {
    try {
      o = JSON.parse(v)
    } catch {
      throw new InvalidParamsError('typed data is not JSON', index)
    }
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new InvalidParamsError('expected typed data', index)
  const { domain, types, primaryType, message } = o as Record<string, unknown>
  if (typeof types !== 'object' || types === null) throw new InvalidParamsError('missing types', index, 'types')
  if (typeof primaryType !== 'string') throw new InvalidParamsError('missing primaryType', index, 'primaryType')
  if (typeof message !== 'object' || message === null) throw new InvalidParamsError('missing message', index, 'message')
  // A given EIP712Domain type is kept: its field order is part of the domain's hash.
  return { domain: (domain ?? {}) as TypedDataDefinition['domain'], types, primaryType, message } as TypedDataDefinition
}
