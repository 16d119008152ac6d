// Node-only facts: where deployments live on disk, and reading and writing them.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DeploymentError, parseDeployment, type Deployment } from "./deployment.ts";

/** Where `npm run deploy` and `npm start` write deployments: `protocol/deployments/<chainId>.json`. */
export const DEPLOYMENTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "deployments");

export function deploymentFile(chainId: number, dir = DEPLOYMENTS_DIR): string {
  return path.join(dir, `${chainId}.json`);
}

/** Reads a deployment: an explicit file, or `<dir>/<chainId>.json`. */
export function loadDeployment(options: { file?: string; chainId?: number; dir?: string }): Deployment {
  if (!options.file && options.chainId === undefined) throw new DeploymentError("loadDeployment needs a file or a chainId");
  const file = options.file ?? deploymentFile(options.chainId!, options.dir);
  if (!existsSync(file)) {
    throw new DeploymentError(
      `no deployment file at ${file}: start the local stack (\`npm start\`) or deploy (\`npm run deploy -- --rpc URL\`), or name the file`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new DeploymentError(`the deployment file ${file} is not JSON: ${(error as Error).message}`);
  }
  return parseDeployment(data, `the deployment file ${file}`);
}

/** Writes `<dir>/<chainId>.json` atomically (a reader never sees half a file) and returns its path. */
export function writeDeployment(deployment: Deployment, dir = DEPLOYMENTS_DIR): string {
  mkdirSync(dir, { recursive: true });
  const file = deploymentFile(deployment.chainId, dir);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(deployment, null, 2) + "\n");
  renameSync(temporary, file);
  return file;
}

export * from "./index.ts";
