// The SDK through ethers v6, on a real Hardhat node: a dApp holding an ethers Wallet (a local key)
// or a JsonRpcSigner (the node's account, as a browser wallet would be) stakes and creates a Datanet
// with the SDK's actions, reads come back through an ethers provider, and a refused call is still
// named by the protocol's error.
import { JsonRpcProvider, Wallet } from "ethers";
import { parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_PRIVATE_KEYS } from "@openledger/protocol/deploy";
import { createDatanet, fundDatanet, getAllowance, getOpenBalance, getStakePosition, Modality, ProtocolError, stake, unstake } from "@openledger/sdk";
import { publicClientFromEthers, walletClientFromEthers } from "@openledger/sdk/ethers";
import { startTestChain, type TestChain } from "@openledger/testkit";

let chain: TestChain;
let provider: JsonRpcProvider;

beforeAll(async () => {
  chain = await startTestChain();
  provider = new JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true, polling: true, pollingInterval: 200 });
}, 180_000);

afterAll(async () => {
  provider?.destroy();
  await chain?.stop();
});

describe("the SDK with ethers v6", () => {
  it("reads through an ethers provider", async () => {
    const client = await publicClientFromEthers(provider);
    expect(client.chain.id).toBe(chain.deployment.chainId);
    const balance = await getOpenBalance(client, { contracts: chain.deployment.contracts, account: chain.wallets[3]!.account.address });
    expect(balance).toBe(parseEther("1000000"));
  });

  it("writes with an ethers Wallet that signs locally", async () => {
    const signer = new Wallet(DEV_PRIVATE_KEYS[3]!, provider);
    const client = await walletClientFromEthers(signer);
    expect(client.account.address).toBe(signer.address);
    const sent = await stake(client, { contracts: chain.deployment.contracts, amount: parseEther("2000") });
    expect(sent.receipt.status).toBe("success");
    const position = await getStakePosition(chain.client, { contracts: chain.deployment.contracts, validator: signer.address as `0x${string}` });
    expect(position.activating).toBe(parseEther("2000"));
  });

  it("writes with a JsonRpcSigner whose node holds the account", async () => {
    const signer = await provider.getSigner(4);
    const client = await walletClientFromEthers(signer);
    const created = await createDatanet(client, { contracts: chain.deployment.contracts, modality: Modality.Text, formats: [0], metadata: "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy" });
    expect(created.result.datanetId).toBeGreaterThan(0);
  });

  it("signs a deposit permit through ethers, locally and through the node, and sends one transaction", async () => {
    const contracts = chain.deployment.contracts;
    const owner = await walletClientFromEthers(new Wallet(DEV_PRIVATE_KEYS[6]!, provider));
    const created = await createDatanet(owner, { contracts, modality: Modality.Text, formats: [0], metadata: "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy" });
    for (const client of [owner, await walletClientFromEthers(await provider.getSigner(7))]) {
      const nonce = await chain.client.getTransactionCount({ address: client.account.address });
      const sent = await fundDatanet(client, { contracts, datanetId: created.result.datanetId, amount: parseEther("5") });
      expect(sent.receipt.status).toBe("success");
      expect(await chain.client.getTransactionCount({ address: client.account.address })).toBe(nonce + 1);
      expect(await getAllowance(chain.client, { contracts, owner: client.account.address, spender: contracts.Datanets })).toBe(0n);
    }
  });

  it("names the protocol's error when the chain refuses", async () => {
    const client = await walletClientFromEthers(new Wallet(DEV_PRIVATE_KEYS[5]!, provider));
    const refused = unstake(client, { contracts: chain.deployment.contracts, amount: parseEther("1") });
    await expect(refused).rejects.toBeInstanceOf(ProtocolError);
    await expect(refused).rejects.toMatchObject({ errorName: "InsufficientStake", args: [client.account.address, 0n, parseEther("1")] });
  });
});
