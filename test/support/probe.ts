/**
 * The `Probe` test contract (test/contracts/Probe.sol), compiled once per process, and a deploy
 * helper.
 */
import { readFileSync } from 'node:fs'
import type { Address, Hex, TransactionReceipt } from 'viem'
import { type CompiledContract, compileSolidity } from '../../lib/solc.ts'
import type { publicHttp, walletHttp } from './clients.ts'

/** Probe compiled with solc-js. */
export function probeContract(): CompiledContract {
  const src = readFileSync(new URL('../contracts/Probe.sol', import.meta.url), 'utf8')
  return compileSolidity({ 'Probe.sol': src }).Probe
}

/**
 * Deploys Probe with `initial` as its value and waits for the receipt.
 *
 * @returns the address and the deployment receipt.
 */
export async function deployProbe(
  client: ReturnType<typeof publicHttp>,
  wallet: ReturnType<typeof walletHttp>,
  initial = 7n,
): Promise<{ address: Address; receipt: TransactionReceipt; hash: Hex }> {
  const { abi, bytecode } = probeContract()
  const hash = await wallet.deployContract({ abi, bytecode, args: [initial] })
  const receipt = await client.waitForTransactionReceipt({ hash, timeout: 20_000 })
  if (receipt.status !== 'success' || !receipt.contractAddress) {
    throw new Error(`Probe deployment failed: ${receipt.status}`)
  }
  return { address: receipt.contractAddress, receipt, hash }
}
