// Ponder configuration: one chain, the four protocol contracts, PGlite by default and PostgreSQL
// when DATABASE_URL is set. Addresses and the start block come from the deployment file that every
// deployment writes (protocol/deployments/<chainId>.json); environment variables override them.
import { createConfig } from "ponder";
import { datanetsAbi, modelRegistryAbi, validatorStakingAbi } from "@openledger/protocol";
import { loadSettings } from "./src/settings.ts";

const settings = loadSettings(process.env);

export default createConfig({
  database: settings.databaseUrl
    ? { kind: "postgres", connectionString: settings.databaseUrl }
    : { kind: "pglite", directory: settings.pgliteDir },
  ordering: "multichain",
  chains: {
    openledger: {
      id: settings.chainId,
      rpc: settings.rpcUrls,
      ...(settings.wsUrl ? { ws: settings.wsUrl } : {}),
      pollingInterval: settings.pollingIntervalMs,
      // A local chain's history is rebuilt at every start; caching its RPC answers would serve
      // stale blocks after a restart of the node.
      disableCache: settings.disableRpcCache,
    },
  },
  contracts: {
    ValidatorStaking: {
      abi: validatorStakingAbi,
      chain: "openledger",
      address: settings.contracts.ValidatorStaking,
      startBlock: settings.startBlock,
    },
    Datanets: {
      abi: datanetsAbi,
      chain: "openledger",
      address: settings.contracts.Datanets,
      startBlock: settings.startBlock,
    },
    ModelRegistry: {
      abi: modelRegistryAbi,
      chain: "openledger",
      address: settings.contracts.ModelRegistry,
      startBlock: settings.startBlock,
    },
  },
});
