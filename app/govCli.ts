/**
 * `unimargin gov …`: a council member's tools against a running node's JSON-RPC. `propose`,
 * `vote` and `execute` send ordinary signed transactions to the Governance precompile with viem,
 * as any wallet would (simulated first: a call that would revert is not sent unless `--force`);
 * `list` and `show` print proposals as `gov_listProposals` / `gov_getProposal` return them.
 * Exit code 0 on success, 1 on a revert or an RPC error, 2 on bad input.
 */
import { readFileSync } from 'node:fs'
import { type Command, InvalidArgumentError } from 'commander'
import {
  type Abi,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  parseEventLogs,
  BaseError as ViemBaseError,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { governanceAbi } from '../execution/precompiles/governance.ts'
import { BaseError } from '../lib/errors.ts'
import { GOVERNANCE_ADDRESS } from '../state/system/addresses.ts'

/** Default JSON-RPC endpoint of `unimargin start`. */
export const DEFAULT_RPC = 'http://127.0.0.1:8545'
/** Gas limit of a `--force`d transaction whose estimate reverted. */
const FORCED_GAS = 2_000_000n

/** Bad command-line input (exit code 2). */
export class GovCliInputError extends BaseError {
  override name = 'GovCliInputError'
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`${option}: ${problem}`)
  }
}

/**
 * A private key given as hex, or as the name of an environment variable holding it.
 *
 * @example resolveKey('COUNCIL_KEY', process.env) // the 0x… key in $COUNCIL_KEY
 */
export function resolveKey(key: string, env: NodeJS.ProcessEnv = process.env): Hex {
  const asKey = (v: string): Hex | undefined => {
    if (!/^(0x)?[0-9a-fA-F]{64}$/.test(v)) return undefined
    return (v.startsWith('0x') ? v : `0x${v}`) as Hex
  }
  const direct = asKey(key)
  if (direct) return direct
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
    throw new GovCliInputError('--key', 'expected a 32-byte hex key or an environment variable name')
  }
  const value = env[key]
  if (value === undefined || value === '') {
    throw new GovCliInputError('--key', `environment variable ${key} is not set`)
  }
  const fromEnv = asKey(value.trim())
  if (!fromEnv) throw new GovCliInputError('--key', `environment variable ${key} does not hold a 32-byte hex key`)
  return fromEnv
}

function idOption(v: string): bigint {
  if (!/^\d+$/.test(v) || BigInt(v) < 1n) {
    throw new InvalidArgumentError('--id must be a proposal id (an integer ≥ 1)')
  }
  return BigInt(v)
}

function supportOption(v: string): boolean {
  if (v === 'yes') return true
  if (v === 'no') return false
  throw new InvalidArgumentError('--support must be yes or no')
}

const out = (line: string) => process.stdout.write(`${line}\n`)

/** The revert reason inside a viem error, if it is a revert. */
function revertReason(err: unknown): string | undefined {
  if (!(err instanceof ViemBaseError)) return undefined
  const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError)
  if (reverted instanceof ContractFunctionRevertedError) return reverted.reason ?? reverted.shortMessage
  return undefined
}

async function clients(rpc: string, key: Hex) {
  const probe = createPublicClient({ transport: http(rpc) })
  const chainId = await probe.getChainId()
  const chain = defineChain({
    id: chainId,
    name: `unimargin ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpc] } },
  })
  const account = privateKeyToAccount(key)
  const publicClient = createPublicClient({ chain, transport: http(rpc), pollingInterval: 100 }) as PublicClient
  const wallet = createWalletClient({ account, chain, transport: http(rpc) })
  return { publicClient, wallet, account }
}

interface SendOptions {
  rpc: string
  key: string
  force?: boolean
}

/**
 * Simulates, sends and waits for one Governance call; prints the hash, the status and what
 * happened (or the revert reason). Returns the exit code.
 */
async function sendGov(o: SendOptions, functionName: 'propose' | 'vote' | 'execute', args: readonly unknown[]): Promise<number> {
  const { publicClient, wallet, account } = await clients(o.rpc, resolveKey(o.key))
  const call = { address: GOVERNANCE_ADDRESS, abi: governanceAbi as Abi, functionName, args, account } as const
  let gas: bigint
  try {
    gas = await publicClient.estimateContractGas(call)
  } catch (err) {
    const reason = revertReason(err)
    if (reason === undefined) throw err
    process.stderr.write(`reverts: ${reason}\n`)
    if (!o.force) {
      process.stderr.write('not sent (use --force to send it anyway)\n')
      return 1
    }
    gas = FORCED_GAS
  }
  const hash = await wallet.writeContract({ ...call, gas, chain: wallet.chain })
  out(`tx ${hash}`)
  const receipt = await publicClient.waitForTransactionReceipt({ hash })
  out(`status ${receipt.status} (block ${receipt.blockNumber}, gas ${receipt.gasUsed})`)
  if (receipt.status !== 'success') {
    let reason = 'unknown'
    try {
      await publicClient.simulateContract({ ...call, blockNumber: receipt.blockNumber - 1n })
    } catch (err) {
      reason = revertReason(err) ?? reason
    }
    process.stderr.write(`reverted: ${reason}\n`)
    return 1
  }
  for (const ev of parseEventLogs({ abi: governanceAbi, logs: receipt.logs })) {
    const a = ev.args as Record<string, unknown>
    if (ev.eventName === 'ProposalCreated') out(`proposal ${a.id}`)
    if (ev.eventName === 'Voted') out(`voted ${a.support ? 'yes' : 'no'} on ${a.id}: yes ${a.yes}, no ${a.no}`)
    if (ev.eventName === 'ProposalQueued') out(`queued: executable at block ${a.executableAtBlock}`)
    if (ev.eventName === 'ProposalRejected') out('rejected: the quorum is out of reach')
    if (ev.eventName === 'ProposalExecuted') out(`executed: config version ${a.configVersion}`)
  }
  return 0
}

/** Calls a `gov_` method and prints the result as JSON. Returns the exit code. */
async function readGov(rpc: string, method: string, params: unknown[]): Promise<number> {
  const client = createPublicClient({ transport: http(rpc) })
  try {
    const result = await client.request({ method: method as never, params: params as never })
    out(JSON.stringify(result, null, 2))
    return 0
  } catch (err) {
    const msg = err instanceof ViemBaseError ? err.details || err.shortMessage : String(err)
    process.stderr.write(`error: ${msg}\n`)
    return 1
  }
}

function readChangeFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch (err) {
    throw new GovCliInputError('--file', `cannot read ${path}: ${(err as Error).message}`)
  }
}

const finish = (code: number) => {
  process.exitCode = code
}

/**
 * Adds `gov propose|vote|execute|list|show` to `program`.
 *
 * @example
 * unimargin gov propose --file change.json --key COUNCIL_KEY
 * unimargin gov vote --id 1 --support yes --key 0x59c6…
 * unimargin gov execute --id 1 --key COUNCIL_KEY --rpc http://127.0.0.1:8545
 */
export function registerGovCommands(program: Command): void {
  const gov = program.command('gov').description('governance of the risk parameters, against a running node')
  const signer = (c: Command) =>
    c
      .requiredOption('--key <hex|ENV_VAR>', 'private key, or the name of an environment variable holding it')
      .option('--rpc <url>', 'JSON-RPC endpoint', DEFAULT_RPC)
      .option('--force', 'send even when the call would revert')
  signer(gov.command('propose').description('propose a change (a JSON file, SPEC section 7)'))
    .requiredOption('--file <path>', 'the change, e.g. {"haircut": {"WETH": 0.2}}')
    .action(async (o: SendOptions & { file: string }) => finish(await sendGov(o, 'propose', [readChangeFile(o.file)])))
  signer(gov.command('vote').description('vote on a proposal'))
    .requiredOption('--id <n>', 'proposal id', idOption)
    .requiredOption('--support <yes|no>', 'yes or no', supportOption)
    .action(async (o: SendOptions & { id: bigint; support: boolean }) => finish(await sendGov(o, 'vote', [o.id, o.support])))
  signer(gov.command('execute').description('execute a queued proposal after its timelock'))
    .requiredOption('--id <n>', 'proposal id', idOption)
    .action(async (o: SendOptions & { id: bigint }) => finish(await sendGov(o, 'execute', [o.id])))
  gov
    .command('list')
    .description('every proposal with its votes and state')
    .option('--rpc <url>', 'JSON-RPC endpoint', DEFAULT_RPC)
    .action(async (o: { rpc: string }) => finish(await readGov(o.rpc, 'gov_listProposals', [])))
  gov
    .command('show')
    .description('one proposal')
    .requiredOption('--id <n>', 'proposal id', idOption)
    .option('--rpc <url>', 'JSON-RPC endpoint', DEFAULT_RPC)
    .action(async (o: { rpc: string; id: bigint }) => finish(await readGov(o.rpc, 'gov_getProposal', [Number(o.id)])))
}
