// A scheduled protocol change is shown to people in words with units (OPEN, never wei; seconds as
// minutes; bytes as MiB; basis points as %), decoded against the real ABIs, so a governance call that
// raises a bond or cuts a window is readable before it applies.
import { describe, expect, it } from "vitest";
import { encodeFunctionData, parseEther, type Abi, type Address, type Hex } from "viem";
import { datanetsAbi, modelRegistryAbi, PAUSER_ROLE, validatorStakingAbi, type ProtocolContracts } from "@openledger/protocol";
import { decodeGovernanceCall, describeGovernanceCall, explainGovernanceCall } from "../../src/index.ts";

const at = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
const contracts = { OpenToken: at(1), ValidatorStaking: at(2), Datanets: at(3), ModelRegistry: at(4) } as unknown as ProtocolContracts;
const timelock = at(9);
const explain = (target: Address, data: Hex) => explainGovernanceCall({ ...decodeGovernanceCall(contracts, target, data, timelock), data });

describe("governance calls in words", () => {
  it("says a model bond in OPEN and its challenge window in minutes", () => {
    const data = encodeFunctionData({ abi: modelRegistryAbi, functionName: "setModelBond", args: [parseEther("20"), 120] });
    expect(explain(contracts.ModelRegistry, data)).toBe("ModelRegistry: set model bond (bond 20 OPEN, challenge window 2 min)");
    // The exact call stays available for operators.
    expect(describeGovernanceCall({ ...decodeGovernanceCall(contracts, contracts.ModelRegistry, data, timelock), data })).toBe("ModelRegistry.setModelBond(20000000000000000000, 120)");
  });

  it("says the protocol's limits in MiB, files and percent", () => {
    const data = encodeFunctionData({ abi: datanetsAbi, functionName: "setProtocolLimits", args: [10 * 1024 * 1024, 512 * 1024 * 1024, 1_000, 500] });
    expect(explain(contracts.Datanets, data)).toBe("Datanets: set protocol limits (max file size 10 MiB, daily bytes 512 MiB, daily files 1,000, slash 5 %)");
  });

  it("says a minimum stake in OPEN, fee shares in percent, a pause as yes or no, a role by name", () => {
    expect(explain(contracts.ValidatorStaking, encodeFunctionData({ abi: validatorStakingAbi, functionName: "setMinimumStake", args: [parseEther("1500.5")] }))).toBe(
      "ValidatorStaking: set minimum stake (minimum stake 1,500.5 OPEN)",
    );
    expect(explain(contracts.ModelRegistry, encodeFunctionData({ abi: modelRegistryAbi, functionName: "setFeeShares", args: [1_000, 250] }))).toBe(
      "ModelRegistry: set fee shares (trainer 10 %, protocol 2.5 %)",
    );
    expect(explain(contracts.Datanets, encodeFunctionData({ abi: datanetsAbi, functionName: "setProtocolPaused", args: [true] }))).toBe("Datanets: set protocol paused (paused yes)");
    expect(explain(contracts.Datanets, encodeFunctionData({ abi: datanetsAbi, functionName: "grantRole", args: [PAUSER_ROLE, at(7)] }))).toBe(
      `Datanets: grant role (role PAUSER_ROLE, account ${at(7)})`,
    );
  });

  it("reads a struct's fields as the call's parameters", () => {
    const limits = { maxFileSize: 1024 * 1024, dailyBytes: 64 * 1024 * 1024, dailyFiles: 20, deposit: parseEther("1"), reward: parseEther("10"), validatorReward: parseEther("0.25") };
    const data = encodeFunctionData({ abi: datanetsAbi, functionName: "updateLimits", args: [7, limits] });
    expect(explain(contracts.Datanets, data)).toBe(
      "Datanets: update limits (datanet id 7, max file size 1 MiB, daily bytes 64 MiB, daily files 20, deposit 1 OPEN, reward 10 OPEN, validator reward 0.25 OPEN)",
    );
  });

  it("names the contract and selector of a call it cannot decode", () => {
    expect(explain(at(99), "0x12345678abcdef")).toBe(`${at(99)} 0x12345678…`);
  });

  it("gives every governed setting of the real ABIs a unit: no amount is left as a bare integer", () => {
    const governed: [Address, readonly { type: string; name?: string; stateMutability?: string; inputs?: readonly { type: string; name?: string }[] }[]][] = [
      [contracts.Datanets, datanetsAbi],
      [contracts.ValidatorStaking, validatorStakingAbi],
      [contracts.ModelRegistry, modelRegistryAbi],
    ];
    for (const [target, abi] of governed) {
      for (const item of abi) {
        if (item.type !== "function" || !/^set(Protocol|Minimum|Model|Fee)/.test(item.name ?? "")) continue;
        const args = item.inputs!.map((i) => (i.type === "bool" ? true : i.type === "address" ? at(5) : 1n));
        const { params } = decodeGovernanceCall(contracts, target, encodeFunctionData({ abi: abi as Abi, functionName: item.name!, args }), timelock);
        for (const p of params) expect([`${item.name}.${p.name}`, p.unit]).not.toEqual([`${item.name}.${p.name}`, "number"]);
      }
    }
  });
});
