// The indexing functions, one file per contract (Datanets, the largest, one per concern). Ponder runs
// every file under src/ except src/api/ as indexing code, so each of these registers its handlers
// when Ponder loads it; this file names them all in one place. Helpers shared between contracts are
// in rows.ts; src/api/ holds the HTTP API and the manifest worker.
import "./ValidatorStaking.ts";
import "./Datanets/registry.ts";
import "./Datanets/submissions.ts";
import "./Datanets/review.ts";
import "./Datanets/rewards.ts";
import "./ModelRegistry.ts";
