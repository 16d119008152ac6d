// The entry point that `bin/openledger.mjs` runs (bundled, or as sources): the CLI on this process's
// arguments, exiting with its code.
import { main } from "./main.ts";

process.exit(await main(process.argv.slice(2)));
