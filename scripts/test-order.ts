// The order in which Vitest hands test files to its workers: longest first, so that two workers
// finish together instead of one waiting on a long file it started last.
//
// A file's expected time is its duration in Vitest's cache of the last run on this machine when
// there is one, and otherwise the figure below: the files over 10 s in a fresh-clone run of
// `npm test` (two files at a time, 2 cores). Every other file counts as short. Figures that drift
// only change the order, never what runs.
import path from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** Seconds each long file took, by project and path from the repository root. */
export const EXPECTED_SECONDS: Record<string, number> = {
  "app-e2e:app/e2e/journeys.test.ts": 142,
  "indexer:indexer/test/crash.test.ts": 96,
  "e2e:test/demo.test.ts": 80,
  "sdk:sdk/test/cli.test.ts": 62,
  "e2e:test/faults.test.ts": 48,
  "indexer:indexer/test/indexer.test.ts": 45,
  "indexer:indexer/test/hostile-reorg.test.ts": 35,
  "e2e:test/start.test.ts": 26,
  "trainer:trainer/test/node/e2e.test.ts": 21,
  "ipfs:ipfs/test/vectors.test.ts": 16,
  "sdk:sdk/test/mempool.test.ts": 12,
  "trainer:trainer/test/node/resume.test.ts": 11,
};
const SHORT_SECONDS = 1;

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const expected = (spec: TestSpecification): number => {
      const key = `${spec.project.name}:${path.relative(root, spec.moduleId)}`;
      const cached = this.ctx.cache.getFileTestResults(key)?.duration;
      return cached !== undefined && cached > 0 ? cached / 1000 : (EXPECTED_SECONDS[key] ?? SHORT_SECONDS);
    };
    const seconds = new Map(files.map((spec) => [spec, expected(spec)]));
    return [...files].sort((a, b) => seconds.get(b)! - seconds.get(a)!);
  }
}
