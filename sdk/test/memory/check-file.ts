// Checks one file as the SDK does and prints the verdict with the process's peak memory (JSON), in
// all and above what the process held once the checks were loaded (the check's own share):
// run by large-files.ts in a fresh process, so that nothing else shares the measurement.
import { readFileSync } from "node:fs";
import { detectFormat } from "../../src/formats.ts";
import { formatFromFileName, formatName } from "@openledger/protocol";

const file = process.argv[2]!;
const loaded = process.memoryUsage().rss;
const detection = detectFormat(readFileSync(file), formatFromFileName(file));
const mb = (bytes: number) => Math.round((bytes / 1e6) * 10) / 10;
process.stdout.write(
  `${JSON.stringify({
    ok: detection.ok,
    ...(detection.ok ? { format: formatName(detection.format) } : { rule: detection.problem.rule, message: detection.problem.message }),
    peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
    checkRssMb: mb(process.resourceUsage().maxRSS * 1024 - loaded),
    heapMb: mb(process.memoryUsage().heapUsed),
  })}\n`,
);
