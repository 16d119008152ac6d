// @openledger/sdk: the TypeScript client of the OpenLedger protocol.
//
// Every protocol operation is a standalone function taking a viem client first
// (`createDatanet(client, { contracts, ... })`), and `openLedgerActions(contracts)` bundles them
// for `client.extend(...)`, after which the contracts need not be passed again.
import type { Hex } from "viem";
import * as datanets from "./actions/datanets.ts";
import * as models from "./actions/models.ts";
import * as review from "./actions/review.ts";
import type { ProtocolContracts, ReadClient, WriteClient } from "./actions/shared.ts";
import * as staking from "./actions/staking.ts";
import * as token from "./actions/token.ts";
import * as contributing from "./contribute.ts";

export * from "./actions/datanets.ts";
export * from "./actions/governance.ts";
export * from "./actions/models.ts";
export * from "./actions/review.ts";
export * from "./actions/shared.ts";
export * from "./actions/staking.ts";
export * from "./actions/token.ts";
export * from "./cid.ts";
export * from "./contribute.ts";
export * from "./csv.ts";
export * from "./datanet-metadata.ts";
export * from "./errors.ts";
export * from "./formats.ts";
export * from "./ipfs.ts";
export {
  ATTRIBUTION_WEIGHTING,
  buildManifest,
  datasetRoot,
  GOVERNED_CONTRACTS,
  governanceOf,
  GovernanceError,
  LEAF_ENCODING,
  leafProof,
  MANIFEST_VERSION,
  ManifestError,
  parseManifest,
  type DatasetManifest,
  type Governance,
  type GovernanceCall,
  type ManifestContribution,
  type ManifestLeaf,
} from "@openledger/protocol";
export * from "./source.ts";
export * from "./validator/review.ts";
export * from "./validator/votes.ts";
export * from "./units.ts";

type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Bound<F> = F extends (client: infer _C, args: infer A, ...rest: infer R) => infer Out
  ? {} extends OmitEach<A, "contracts">
    ? (args?: OmitEach<A, "contracts"> & { contracts?: ProtocolContracts }, ...rest: R) => Out
    : (args: OmitEach<A, "contracts"> & { contracts?: ProtocolContracts }, ...rest: R) => Out
  : never;

const readActions = {
  getDatanet: datanets.getDatanet,
  getDatanetCount: datanets.getDatanetCount,
  getProtocolLimits: datanets.getProtocolLimits,
  getQuota: datanets.getQuota,
  getContribution: datanets.getContribution,
  getContributionStatuses: datanets.getContributionStatuses,
  getClaim: datanets.getClaim,
  getAccount: datanets.getAccount,
  getTerms: datanets.getTerms,
  getCommitment: review.getCommitment,
  getLastCommittedSequence: review.getLastCommittedSequence,
  getStakePosition: staking.getStakePosition,
  getModel: models.getModel,
  getModelCount: models.getModelCount,
  getClaimableAttribution: models.getClaimableAttribution,
  getModelDatanets: models.getModelDatanets,
  findLeafFaults: models.findLeafFaults,
  getOpenBalance: token.getOpenBalance,
  getAllowance: token.getAllowance,
  checkFiles: contributing.checkFiles,
  fetchContribution: contributing.fetchContribution,
  listSubmissions: contributing.listSubmissions,
} as const;

const writeActions = {
  createDatanet: datanets.createDatanet,
  updateDatanetLimits: datanets.updateDatanetLimits,
  setDatanetMetadata: datanets.setDatanetMetadata,
  setDatanetPaused: datanets.setDatanetPaused,
  transferDatanetOwnership: datanets.transferDatanetOwnership,
  acceptDatanetOwnership: datanets.acceptDatanetOwnership,
  fundDatanet: datanets.fundDatanet,
  withdrawPool: datanets.withdrawPool,
  commitSubmission: datanets.commitSubmission,
  submitFiles: datanets.submitFiles,
  contribute: contributing.contribute,
  claimRewards: datanets.claimRewards,
  commitVotes: review.commitVotes,
  revealVotes: review.revealVotes,
  finalizeContributions: review.finalizeContributions,
  claimValidatorRewards: review.claimValidatorRewards,
  slashUnrevealed: review.slashUnrevealed,
  stake: staking.stake,
  unstake: staking.unstake,
  withdrawStake: staking.withdrawStake,
  registerModel: models.registerModel,
  payForModel: models.payForModel,
  claimAttribution: models.claimAttribution,
  challengeLeaf: models.challengeLeaf,
  releaseBond: models.releaseBond,
  ensureAllowance: token.ensureAllowance,
  signPermit: token.signPermit,
  allowDeposit: datanets.allowDeposit,
  transferOpen: token.transferOpen,
} as const;

export type OpenLedgerReadActions = { [K in keyof typeof readActions]: Bound<(typeof readActions)[K]> } & { openLedgerContracts: ProtocolContracts };
export type OpenLedgerActions = OpenLedgerReadActions & { [K in keyof typeof writeActions]: Bound<(typeof writeActions)[K]> };

function bind(client: ReadClient, contracts: ProtocolContracts, actions: Record<string, (...a: never[]) => unknown>) {
  const out: Record<string, unknown> = { openLedgerContracts: contracts };
  for (const [name, action] of Object.entries(actions)) {
    out[name] = (args: Record<string, unknown> = {}, ...rest: unknown[]) =>
      (action as (...a: unknown[]) => unknown)(client, { contracts, ...args }, ...rest);
  }
  return out;
}

/** Reads only: for `publicClient.extend(openLedgerReadActions(contracts))`. */
export function openLedgerReadActions(contracts: ProtocolContracts) {
  return (client: ReadClient): OpenLedgerReadActions => bind(client, contracts, readActions) as OpenLedgerReadActions;
}

/** Every action: for `walletClient.extend(publicActions).extend(openLedgerActions(contracts))`. */
export function openLedgerActions(contracts: ProtocolContracts) {
  return (client: WriteClient): OpenLedgerActions => bind(client, contracts, { ...readActions, ...writeActions }) as OpenLedgerActions;
}

/** A 32-byte hex string check, for user input. */
export function isBytes32(value: string): value is Hex {
  return /^0x[0-9a-fA-F]{64}$/.test(value);
}
