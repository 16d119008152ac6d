// What the contract build prints. Hardhat prints every compiler warning, the dependencies' included:
// forge-std, the Solidity tests' library, draws about 250 warnings from solc 0.8.37 (deprecated
// natspec, identifiers that become keywords), which would bury the project's own. This keeps every
// error and every warning about the project's files, and counts the dependencies' warnings in one line.
//
// Solc's blocks look like:
//
//   Warning: <message>
//    --> ./node_modules/forge-std/…/Vm.sol:5:1:
//     |
//   5 | pragma experimental ABIEncoderV2;
//     | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
//   <blank line>
import { spawnSync } from "node:child_process";
import path from "node:path";

const ANSI = /\x1b\[[0-9;]*m/g;

/** Filters one stream of a Hardhat build's output: feed chunks to `write`, then call `end` once. */
export class CompilerOutputFilter {
  /** Whether `end` counts what was left out (an operator's run) or says nothing of it (`npm start`). */
  readonly #summary: boolean;
  #partial = "";
  #block: string[] | null = null;
  #hidden = 0;
  #capped = false;
  /** A blank line that ends a line left out (solc's cap) is left out with it. */
  #skipBlank = false;

  constructor(options: { summary?: boolean } = {}) {
    this.#summary = options.summary ?? true;
  }

  /** The text to print for `chunk` (whole lines only; a partial line waits for the next chunk). */
  write(chunk: string): string {
    const lines = (this.#partial + chunk).split("\n");
    this.#partial = lines.pop() ?? "";
    let out = "";
    for (const line of lines) out += this.#line(line);
    return out;
  }

  /** The rest of the text, and a line counting the hidden warnings when there were any. */
  end(): string {
    let out = this.#partial ? this.#line(this.#partial) : "";
    this.#partial = "";
    if (this.#block) out += this.#close();
    if (!this.#summary) return out;
    if (this.#hidden > 0) out += `(${this.#hidden} compiler warnings about files under node_modules not shown)\n`;
    if (this.#capped) {
      out += "(solc lists at most 256 warnings; some about the project's own files may be among those it did not list)\n";
    }
    return out;
  }

  #line(line: string): string {
    if (this.#block) {
      if (line.trim() !== "") {
        this.#block.push(line);
        return "";
      }
      return this.#close();
    }
    // Hardhat colours "Warning:" when its standard output is a terminal: match on the plain text.
    const plain = line.replace(ANSI, "");
    const skipBlank = this.#skipBlank;
    this.#skipBlank = false;
    if (skipBlank && plain.trim() === "") return "";
    // Solc's own cap ("There are more than 256 warnings. Ignoring the rest."): said plainly at the end.
    if (/^Warning: There are more than \d+ warnings/.test(plain)) {
      this.#capped = true;
      this.#skipBlank = true;
      return "";
    }
    if (plain.startsWith("Warning: ")) {
      this.#block = [line];
      return "";
    }
    return `${line}\n`;
  }

  /** Ends the current block at a blank line: printed with it, or counted. */
  #close(): string {
    const block = this.#block ?? [];
    this.#block = null;
    const location = block.map((l) => l.replace(ANSI, "")).find((l) => /^\s*-->\s/.test(l)) ?? "";
    if (/[/\\]node_modules[/\\]/.test(location)) {
      this.#hidden += 1;
      return "";
    }
    return `${block.join("\n")}\n\n`;
  }
}

/** Filters a whole captured output at once (for `spawnSync`). */
export function filterCompilerOutput(text: string, options: { summary?: boolean } = {}): string {
  const filter = new CompilerOutputFilter(options);
  const out = filter.write(text) + filter.end();
  return out.trim() === "" ? "" : out; // blank lines alone, once the warnings around them are gone
}

/**
 * Runs the Hardhat CLI (`node_modules/hardhat`, from `root`) to its end, with its standard output as
 * `stdout` says and its standard error filtered (`CompilerOutputFilter`) onto this process's.
 */
export function runHardhatSync(root: string, args: string[], stdout: "inherit" | "ignore" = "inherit", options: { summary?: boolean } = {}): number {
  const cli = path.join(root, "node_modules", "hardhat", "dist", "src", "cli.js");
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: ["ignore", stdout, "pipe"], encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  process.stderr.write(filterCompilerOutput(result.stderr ?? "", options));
  if (result.error) throw result.error;
  return result.status ?? 1;
}
