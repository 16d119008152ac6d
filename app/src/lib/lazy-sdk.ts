// The SDK functions that shared hooks call only after the first screen has rendered, as their own
// chunk. They are named here because a dynamic import of the package itself hands the bundler a
// namespace whose used members it cannot see, so it kept every SDK export (file checks, CSV parser,
// IPFS client) in the first screen's chunk.
export {
  createIpfsClient,
  formatName,
  formatsOfMask,
  getAccount,
  getContribution,
  getDatanet,
  getDatanetCount,
  getOpenBalance,
  getProtocolLimits,
  getQuota,
  getStakePosition,
  modalityName,
  parseDatanetMetadata,
} from "@openledger/sdk";
