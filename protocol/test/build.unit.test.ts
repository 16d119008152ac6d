import { describe, expect, it } from "vitest";
import { CompilerOutputFilter, filterCompilerOutput } from "@openledger/protocol/build";

// Blocks as solc prints them through Hardhat.
const dependencyWarning = (file: string) => `Warning: Natspec memory-safe-assembly special comment for inline assembly is deprecated.
 --> ./node_modules/forge-std/lib/forge-std/${file}:12:9:
   |
12 |         /// @solidity memory-safe-assembly
   |         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^

`;
const projectWarning = `Warning: This declaration shadows an existing declaration.
  --> ./contracts/test/Governance.t.sol:36:25:
   |
36 |     function limitsCall(uint16 dailyFiles) internal view returns (bytes memory) {
   |                         ^^^^^^^^^^^^^^^^^

`;
const error = `TypeError: Member "nope" not found or not visible after argument-dependent lookup in contract Datanets.
  --> ./contracts/ModelRegistry.sol:10:5:
   |
10 |     datanets.nope();
   |     ^^^^^^^^^^^^^

`;

describe("the contract build's output", () => {
  it("keeps errors and the project's warnings, and counts the dependencies' warnings in one line", () => {
    const out = filterCompilerOutput(dependencyWarning("Vm.sol") + projectWarning + dependencyWarning("safeconsole.sol") + error + "Compiled 31 Solidity files with solc 0.8.37\n");
    expect(out).toContain(projectWarning);
    expect(out).toContain(error);
    expect(out).toContain("Compiled 31 Solidity files");
    expect(out).not.toContain("node_modules/forge-std");
    expect(out).toContain("(2 compiler warnings about files under node_modules not shown)");
  });

  it("says plainly when solc stopped reporting warnings, since the project's own may be among them", () => {
    const out = filterCompilerOutput(dependencyWarning("Vm.sol") + "Warning: There are more than 256 warnings. Ignoring the rest.\n\n");
    expect(out).toContain("(1 compiler warnings about files under node_modules not shown)");
    expect(out).toContain("(solc lists at most 256 warnings; some about the project's own files may be among those it did not list)");
  });

  it("reads Hardhat's coloured output (a terminal on its standard output) as its plain text", () => {
    const colour = (text: string) => text.replace(/^Warning:/gm, "\x1b[33m\x1b[1mWarning:\x1b[22m\x1b[39m");
    const out = filterCompilerOutput(colour(dependencyWarning("Vm.sol") + projectWarning));
    expect(out).not.toContain("node_modules/forge-std");
    expect(out).toContain("Governance.t.sol");
    expect(out).toContain("(1 compiler warnings about files under node_modules not shown)");
  });

  it("reads a stream cut anywhere, a block split across chunks included", () => {
    const text = dependencyWarning("Vm.sol") + projectWarning + error;
    for (let cut = 1; cut < text.length; cut += 7) {
      const filter = new CompilerOutputFilter();
      const out = filter.write(text.slice(0, cut)) + filter.write(text.slice(cut)) + filter.end();
      expect(out).toBe(projectWarning + error + "(1 compiler warnings about files under node_modules not shown)\n");
    }
  });

  it("says nothing of what it left out when asked not to (npm start)", () => {
    const out = filterCompilerOutput(dependencyWarning("Vm.sol") + projectWarning + "Warning: There are more than 256 warnings. Ignoring the rest.\n\n", { summary: false });
    expect(out).toBe(projectWarning);
  });

  it("prints nothing extra for a clean build", () => {
    expect(filterCompilerOutput("Nothing to compile\n")).toBe("Nothing to compile\n");
  });
});
