/**
 * viem clients and the dev accounts for the end-to-end suites.
 */
import { type Account, type Chain, createPublicClient, createWalletClient, defineChain, type HDAccount, http, webSocket } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'

/** The standard dev mnemonic (Anvil, Hardhat, and unimargin's dev genesis). */
export const devMnemonic = 'test test test test test test test test test test test junk'

/** The dev accounts, indexes 0–9, each funded with 10,000 ETH at genesis. */
export const devAccounts: HDAccount[] = Array.from({ length: 10 }, (_, i) => mnemonicToAccount(devMnemonic, { addressIndex: i }))

/** 10,000 ETH in wei: the dev genesis balance of each dev account. */
export const devBalance = 10_000n * 10n ** 18n

/** The unimargin dev chain (chain id 31338) pointing at `url`. */
export function unimarginChain(url: string, wsUrl?: string): Chain {
  return defineChain({
    id: 31338,
    name: 'unimargin dev',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [url], webSocket: wsUrl ? [wsUrl] : undefined } },
    blockTime: 250,
  })
}

/** Poll fast: blocks come every 250 ms. */
const pollingInterval = 100

/** A public client over HTTP. */
export function publicHttp(url: string) {
  return createPublicClient({ chain: unimarginChain(url), transport: http(url), pollingInterval })
}

/** A public client over WebSocket; close it with `client.transport.getRpcClient()` → `close()`. */
export function publicWs(wsUrl: string) {
  return createPublicClient({
    chain: unimarginChain(wsUrl.replace(/^ws/, 'http'), wsUrl),
    transport: webSocket(wsUrl, { reconnect: false }),
    pollingInterval,
  })
}

/** A wallet client over HTTP signing locally with `account` (a dev account by default). */
export function walletHttp(url: string, account: Account = devAccounts[0]) {
  return createWalletClient({
    account,
    chain: unimarginChain(url),
    transport: http(url),
    pollingInterval,
  })
}

/** Closes the socket behind a WebSocket client so the test process can exit. */
export async function closeWs(client: { transport: unknown }): Promise<void> {
  const t = client.transport as { getRpcClient?: () => Promise<{ close(): void }> }
  if (t.getRpcClient) (await t.getRpcClient()).close()
}
