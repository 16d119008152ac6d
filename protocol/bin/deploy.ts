// `npm run deploy -- --rpc URL [--production]`: deploys the protocol to an existing node with the
// deployer key from DEPLOYER_PRIVATE_KEY (or the first development account on a local chain, 31337)
// and writes protocol/deployments/<chainId>.json.
import { createWalletClient, http, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { DEVELOPMENT_PARAMETERS, PRODUCTION_PARAMETERS, deployProtocol, devWallet, publicClientFor } from "@openledger/protocol/deploy";

const rpcIndex = process.argv.indexOf("--rpc");
const rpcUrl = rpcIndex > 0 ? process.argv[rpcIndex + 1]! : "http://127.0.0.1:8545";
const production = process.argv.includes("--production");
const key = process.env.DEPLOYER_PRIVATE_KEY as Hex | undefined;
const client = publicClientFor(rpcUrl);
const chainId = await client.getChainId();
if (!key && chainId !== 31337) {
  console.error("Set DEPLOYER_PRIVATE_KEY to deploy to a chain other than the local one (31337).");
  process.exit(2);
}
const wallet = key
  ? createWalletClient({ account: privateKeyToAccount(key), chain: { ...hardhat, id: chainId }, transport: http(rpcUrl) })
  : devWallet(rpcUrl);
const deployment = await deployProtocol({ wallet, client, parameters: production ? PRODUCTION_PARAMETERS : DEVELOPMENT_PARAMETERS });
console.log(JSON.stringify(deployment, null, 2));
