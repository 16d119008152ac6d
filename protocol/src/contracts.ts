// The contracts a deployment consists of, with their ABIs.
import { datanetsAbi, modelRegistryAbi, openTokenAbi, validatorStakingAbi } from "./generated/abis.ts";

/** In deployment order. */
export const DEPLOYED_CONTRACT_NAMES = ["OpenToken", "ValidatorStaking", "Datanets", "ModelRegistry"] as const;
export type DeployedContractName = (typeof DEPLOYED_CONTRACT_NAMES)[number];

/** The ABI of each deployed contract, by name. */
export const PROTOCOL_ABIS = {
  OpenToken: openTokenAbi,
  ValidatorStaking: validatorStakingAbi,
  Datanets: datanetsAbi,
  ModelRegistry: modelRegistryAbi,
} as const;
