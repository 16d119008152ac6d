// trainer: the command-line client of the trainer node (and `trainer serve`, which runs one).
//
//   trainer serve                          run a node on 127.0.0.1 (config from flags and env)
//   trainer jobs submit --datanet 1 …      submit a training job (add --watch to follow it)
//   trainer jobs estimate --datanet 1 …    memory, time and steps of that job, before submitting it
//   trainer jobs list                      all jobs
//   trainer jobs status <id> [--watch]     one job; --watch follows its live progress
//   trainer jobs cancel <id>
//   trainer jobs retry <id> [--watch]      a failed or cancelled job, resumed where it stopped
//   trainer models                         models the node serves
//   trainer chat --model M [prompt]        one answer, or an interactive chat without a prompt
//
// Global: --url (env TRAINER_URL, default http://127.0.0.1:8790), --json (machine-readable output).
// Submit, estimate, cancel and retry send the node's operator token: env TRAINER_TOKEN, else the file named by
// --token-file, else operator-token in --data-dir (env TRAINER_DATA_DIR, default ~/.openledger/trainer).
// Exit codes: 0 success; 1 the node refused or failed (HTTP error, job failed); 2 usage error;
// 3 the node cannot be reached; 4 the watched job was cancelled.
import { parseArgs } from "node:util";
import { createInterface } from "node:readline";
import path from "node:path";
import { DEFAULT_PORT, defaultDataDir } from "./node/config.ts";
import type { JobEstimate } from "./node/estimate.ts";
import { readOperatorToken, tokenFileOf } from "./node/operator-token.ts";
import { parseSseEvents } from "./node/sse.ts";

export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3, cancelled: 4 } as const;

class CliError extends Error {
  code: number;
  constructor(message: string, code: number) {
    super(message);
    this.code = code;
  }
}

const USAGE = `usage: trainer <command> [options]

commands:
  serve [--port N] [--data-dir DIR] [--rpc URL] [--deployment FILE] [--ipfs URL] [--indexer URL] [--base-model DIR]
        (the trainer key is read from TRAINER_PRIVATE_KEY only, never from the command line)
  jobs submit --datanet ID [--datanet ID …] [--base-model DIR] [--method lora|qlora|full]
        [--learning-rate X] [--epochs N] [--batch-size N] [--gradient-accumulation N] [--max-seq-len N]
        [--warmup-steps N] [--weight-decay X] [--seed N] [--eval-fraction X]
        [--lora-rank N] [--lora-alpha X] [--lora-dropout X] [--target-modules a,b]
        [--up-to-block N] [--parent-model ID] [--checkpoint-every N] [--watch]
  jobs estimate (the same options as submit)  memory, time and steps of that job, measured on the node
  jobs list
  jobs status <jobId> [--watch]
  jobs cancel <jobId>
  jobs retry <jobId> [--watch]           queue a failed or cancelled job again (it resumes)
  models
  chat --model NAME [--system TEXT] [--temperature X] [--top-p X] [--max-tokens N] [prompt …]

global options: --url URL (env TRAINER_URL, default http://127.0.0.1:${DEFAULT_PORT}), --json
operator token (submit, estimate, cancel, retry): env TRAINER_TOKEN, else --token-file FILE, else operator-token in
  --data-dir DIR (env TRAINER_DATA_DIR, default ~/.openledger/trainer), which \`trainer serve\` writes at its first start
exit codes: 0 ok, 1 refused/failed, 2 usage, 3 node unreachable, 4 watched job cancelled`;

const OPTIONS = {
  url: { type: "string" }, json: { type: "boolean" }, "token-file": { type: "string" }, help: { type: "boolean", short: "h" }, watch: { type: "boolean" },
  port: { type: "string" }, "data-dir": { type: "string" }, rpc: { type: "string" }, deployment: { type: "string" }, ipfs: { type: "string" }, indexer: { type: "string" },
  "base-model": { type: "string" }, datanet: { type: "string", multiple: true }, method: { type: "string" },
  "learning-rate": { type: "string" }, epochs: { type: "string" }, "batch-size": { type: "string" }, "gradient-accumulation": { type: "string" },
  "max-seq-len": { type: "string" }, "warmup-steps": { type: "string" }, "weight-decay": { type: "string" }, seed: { type: "string" }, "eval-fraction": { type: "string" },
  "lora-rank": { type: "string" }, "lora-alpha": { type: "string" }, "lora-dropout": { type: "string" }, "target-modules": { type: "string" },
  "up-to-block": { type: "string" }, "parent-model": { type: "string" }, "checkpoint-every": { type: "string" },
  model: { type: "string" }, system: { type: "string" }, temperature: { type: "string" }, "top-p": { type: "string" }, "max-tokens": { type: "string" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

function numberFlag(values: Values, name: keyof Values): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(n)) throw new CliError(`--${String(name)} must be a number, got ${JSON.stringify(raw)}`, EXIT.usage);
  return n;
}

/** The operator token for writes (see the usage), or a usage error that says where it was looked for. */
function operatorToken(values: Values): string {
  const fromEnv = process.env.TRAINER_TOKEN;
  if (fromEnv !== undefined && fromEnv.trim() !== "") return fromEnv.trim();
  const file = values["token-file"] ? path.resolve(values["token-file"]) : tokenFileOf(values["data-dir"] ? path.resolve(values["data-dir"]) : defaultDataDir());
  const token = readOperatorToken(file);
  if (token === undefined) throw new CliError(`no operator token: ${file} does not exist or is empty; set TRAINER_TOKEN, or point --token-file or --data-dir at the node's token (the stack's is .stack/trainer/operator-token)`, EXIT.usage);
  return token;
}

async function api(base: string, method: string, route: string, body?: unknown, token?: string): Promise<unknown> {
  let response: Response;
  const headers: Record<string, string> = {
    ...(body === undefined ? {} : { "content-type": "application/json" }),
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
  };
  try {
    response = await fetch(`${base}${route}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch (error) {
    throw new CliError(`cannot reach the trainer node at ${base}: ${(error as Error).cause ? String((error as Error & { cause: Error }).cause.message) : (error as Error).message} (start it with \`trainer serve\` or pass --url)`, EXIT.unreachable);
  }
  const data = (await response.json().catch(() => ({}))) as { error?: { message: string } };
  if (!response.ok) throw new CliError(data.error?.message ?? `HTTP ${response.status}`, EXIT.failed);
  return data;
}

function table(rows: Record<string, unknown>[], columns: string[]): string {
  const cells = rows.map((r) => columns.map((c) => (r[c] === undefined || r[c] === null ? "" : String(r[c]))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join("\n");
}

interface Job {
  id: string; state: string; createdAt: string; error?: string;
  spec: { datanetIds: number[]; method: string; baseModelName: string; upToBlock?: number };
  progress?: { step: number; totalSteps: number; loss: number; tokensPerSecond: number; etaSeconds: number };
  dataset?: { examples: number; contributionsUsed: number; contributionsRefused: number; totalWeight: string; root: string; refused: { contributionId: string; reason: string }[] };
  publication?: { artifact: { cid: string; sha256: string }; manifestCid: string; modelId?: string; txHash?: string; notRegistered?: string };
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MiB`;
const millions = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : String(n));
function duration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

function describeEstimate(e: JobEstimate): string {
  const d = e.dataset;
  return [
    `estimate at block ${e.upToBlock}:`,
    `  data: ${d.examples} examples, ${d.tokens} tokens from ${d.contributions} accepted contributions${d.refused ? ` (${d.refused} would be left out)` : ""}${d.extrapolated ? `; counted on the first ${d.read} files (${mib(d.readBytes)} of ${mib(d.bytes)}) and scaled by bytes` : ""}`,
    `  steps: ${e.steps} (${e.microBatches} micro-batches; ${e.examples.train} examples train, ${e.examples.eval} evaluate; rows of about ${e.rowTokens} tokens)`,
    `  parameters: ${millions(e.parameters)}, trainable ${millions(e.trainableParameters)}`,
    `  memory: about ${mib(e.memoryBytes.total)} (weights ${mib(e.memoryBytes.weights)}, training state ${mib(e.memoryBytes.trainingState)}, one step ${mib(e.memoryBytes.step)})`,
    `  time: ${e.seconds < 1 ? "under 1 s" : `about ${duration(e.seconds)}`} (${e.secondsPerMicroBatch.toFixed(2)} s per micro-batch, measured on this node; evaluation not counted)`,
  ].join("\n");
}

function jobRow(j: Job): Record<string, unknown> {
  return {
    id: j.id, state: j.state, datanets: j.spec.datanetIds.join(","), method: j.spec.method,
    step: j.progress ? `${j.progress.step}/${j.progress.totalSteps}` : "", loss: j.progress ? j.progress.loss.toFixed(4) : "",
    model: j.publication?.modelId ? `openledger:${j.publication.modelId}` : "",
  };
}

function describeJob(j: Job): string {
  const lines = [`job ${j.id}: ${j.state}${j.error ? ` (${j.error})` : ""}`, `  base ${j.spec.baseModelName}, method ${j.spec.method}, Datanets ${j.spec.datanetIds.join(", ")}, up to block ${j.spec.upToBlock ?? "-"}`];
  if (j.progress) lines.push(`  step ${j.progress.step}/${j.progress.totalSteps}, loss ${j.progress.loss.toFixed(4)}, ${Math.round(j.progress.tokensPerSecond)} tokens/s, ETA ${Math.round(j.progress.etaSeconds)} s`);
  if (j.dataset) {
    lines.push(`  dataset: ${j.dataset.examples} examples from ${j.dataset.contributionsUsed} contributions (${j.dataset.totalWeight} tokens), ${j.dataset.contributionsRefused} refused, root ${j.dataset.root}`);
    for (const r of j.dataset.refused) lines.push(`    refused ${r.contributionId}: ${r.reason}`);
  }
  if (j.publication) {
    lines.push(`  artifact ${j.publication.artifact.cid} (sha256 ${j.publication.artifact.sha256}), manifest ${j.publication.manifestCid}`);
    lines.push(j.publication.modelId ? `  registered as model ${j.publication.modelId} (chat with --model openledger:${j.publication.modelId})` : `  not registered${j.publication.notRegistered ? `: ${j.publication.notRegistered}` : " yet"}`);
  }
  return lines.join("\n");
}

/** How long `--watch` keeps trying to reconnect to a node that went away (a restart). */
const RECONNECT_ATTEMPTS = 60;

/**
 * Follows a job's server-sent events until it ends; returns the final job. If the node goes away
 * (restarted after a crash), it reconnects and skips the events it already printed: the node
 * replays a job's history in order, and the history only grows.
 */
async function watch(base: string, id: string, json: boolean): Promise<Job> {
  let seen = 0;
  for (let attempt = 0; attempt <= RECONNECT_ATTEMPTS; attempt++) {
    let response: Response;
    try {
      response = await fetch(`${base}/v1/jobs/${encodeURIComponent(id)}/events`);
    } catch (error) {
      if (attempt === 0) throw new CliError(`cannot reach the trainer node at ${base}: ${(error as Error).message}`, EXIT.unreachable);
      await new Promise((r) => setTimeout(r, 1_000));
      continue;
    }
    if (!response.ok || !response.body) throw new CliError(((await response.json().catch(() => ({}))) as { error?: { message: string } }).error?.message ?? `HTTP ${response.status}`, EXIT.failed);
    const decoder = new TextDecoder();
    let buffer = "";
    let index = 0;
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const parsed = parseSseEvents(buffer + decoder.decode(chunk, { stream: true }));
        buffer = parsed.rest;
        for (const { event, data } of parsed.events) {
          const payload = JSON.parse(data) as Record<string, unknown>;
          if (event === "end") return payload as unknown as Job;
          if (index++ < seen) continue; // printed before a reconnect
          seen = index;
          printEvent(event, payload, json);
        }
      }
    } catch {
      // the connection dropped: reconnect below
    }
    if (attempt === 0 && !json) process.stderr.write("trainer: the node went away; reconnecting…\n");
    await new Promise((r) => setTimeout(r, 1_000));
  }
  return (await api(base, "GET", `/v1/jobs/${encodeURIComponent(id)}`)) as Job;
}

function printEvent(event: string | undefined, payload: Record<string, unknown>, json: boolean): void {
  if (json) { process.stdout.write(`${JSON.stringify({ event, ...payload })}\n`); return; }
  if (event === "state") process.stdout.write(`[${String(payload.at)}] ${String(payload.state)}${payload.error ? `: ${String(payload.error)}` : ""}\n`);
  else if (event === "log") process.stdout.write(`  ${String(payload.message)}\n`);
  else if (event === "progress") {
    const p = payload as { step: number; totalSteps: number; loss: number; tokensPerSecond: number; etaSeconds: number; evalLoss?: number };
    process.stdout.write(`  step ${p.step}/${p.totalSteps}  loss ${p.loss.toFixed(4)}${p.evalLoss === undefined ? "" : `  eval ${p.evalLoss.toFixed(4)}`}  ${Math.round(p.tokensPerSecond)} tok/s  ETA ${Math.round(p.etaSeconds)} s\n`);
  }
}

/** Streams one chat completion, calling `onDelta` with each piece of text; returns the whole answer. */
async function streamChat(base: string, body: Record<string, unknown>, onDelta: (text: string) => void): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${base}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, stream: true }) });
  } catch (error) {
    throw new CliError(`cannot reach the trainer node at ${base}: ${(error as Error).message}`, EXIT.unreachable);
  }
  if (!response.ok || !response.body) throw new CliError(((await response.json().catch(() => ({}))) as { error?: { message: string } }).error?.message ?? `HTTP ${response.status}`, EXIT.failed);
  const decoder = new TextDecoder();
  let buffer = "";
  let text = "";
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const data = buffer.slice(0, cut).split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      buffer = buffer.slice(cut + 2);
      if (!data || data === "[DONE]") continue;
      const payload = JSON.parse(data) as { error?: { message: string }; choices?: { delta?: { content?: string } }[] };
      if (payload.error) throw new CliError(payload.error.message, EXIT.failed);
      const delta = payload.choices?.[0]?.delta?.content ?? "";
      if (delta) { text += delta; onDelta(delta); }
    }
  }
  return text;
}

function exitForJob(job: Job): number {
  return job.state === "succeeded" ? EXIT.ok : job.state === "cancelled" ? EXIT.cancelled : EXIT.failed;
}

/** The job request of `jobs submit` and `jobs estimate`, from their flags. */
function jobBody(values: Values, what: string): Record<string, unknown> {
  if (!values.datanet?.length) throw new CliError(`jobs ${what} needs at least one --datanet ID`, EXIT.usage);
  const hyper: Record<string, number> = {};
  const map: [keyof Values, string][] = [["learning-rate", "learningRate"], ["epochs", "epochs"], ["batch-size", "batchSize"], ["gradient-accumulation", "gradientAccumulation"], ["max-seq-len", "maxSeqLen"], ["warmup-steps", "warmupSteps"], ["weight-decay", "weightDecay"], ["seed", "seed"], ["eval-fraction", "evalFraction"]];
  for (const [flag, key] of map) { const v = numberFlag(values, flag); if (v !== undefined) hyper[key] = v; }
  const lora: Record<string, unknown> = {};
  for (const [flag, key] of [["lora-rank", "rank"], ["lora-alpha", "alpha"], ["lora-dropout", "dropout"]] as [keyof Values, string][]) { const v = numberFlag(values, flag); if (v !== undefined) lora[key] = v; }
  if (values["target-modules"]) lora.targetModules = values["target-modules"].split(",").map((s) => s.trim()).filter(Boolean);
  const upToBlock = numberFlag(values, "up-to-block"), parentModelId = numberFlag(values, "parent-model"), checkpointEvery = numberFlag(values, "checkpoint-every");
  return {
    datanetIds: values.datanet.map((d) => { const n = Number(d); if (!Number.isInteger(n)) throw new CliError(`--datanet must be an integer id, got ${JSON.stringify(d)}`, EXIT.usage); return n; }),
    ...(values["base-model"] ? { baseModel: values["base-model"] } : {}), ...(values.method ? { method: values.method } : {}),
    ...(Object.keys(hyper).length ? { hyperparameters: hyper } : {}), ...(Object.keys(lora).length ? { lora } : {}),
    ...(upToBlock === undefined ? {} : { upToBlock }), ...(parentModelId === undefined ? {} : { parentModelId }), ...(checkpointEvery === undefined ? {} : { checkpointEvery }),
  };
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  const [command, sub, ...rest] = positionals;
  if (values.help || !command) { process.stdout.write(`${USAGE}\n`); return command || values.help ? EXIT.ok : EXIT.usage; }
  const base = (values.url ?? process.env.TRAINER_URL ?? `http://127.0.0.1:${DEFAULT_PORT}`).replace(/\/+$/, "");
  const json = values.json === true;
  const print = (human: string, data: unknown) => process.stdout.write(`${json ? JSON.stringify(data, null, 2) : human}\n`);
  try {
    if (command === "serve") {
      const { startTrainerNode } = await import("./node/index.ts");
      const port = numberFlag(values, "port");
      const node = await startTrainerNode({
        ...(port === undefined ? {} : { port }),
        ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}), ...(values.rpc ? { rpcUrl: values.rpc } : {}),
        ...(values.deployment ? { deploymentFile: values.deployment } : {}), ...(values.ipfs ? { ipfsUrl: values.ipfs } : {}),
        ...(values.indexer ? { indexerUrl: values.indexer } : {}), ...(values["base-model"] ? { baseModelDir: values["base-model"] } : {}),
      });
      const info = (await api(node.url, "GET", "/health")) as Record<string, unknown>;
      if (node.operator.created) {
        // Printed this once; afterwards it is read from the file (owner-only).
        process.stderr.write(`trainer: operator token (creating, cancelling and retrying jobs need it as "Authorization: Bearer <token>"):\n  ${node.operator.token}\n  stored in ${node.operator.file} (mode 0600); the trainer CLI reads it from there\n`);
      }
      if (!info.baseModelReady) process.stderr.write(`trainer: warning: the base model folder ${String(info.baseModelDir)} has no config.json; jobs and chat on the default base will fail until --base-model or TRAINER_BASE_MODEL names one\n`);
      print(`trainer node listening on ${node.url}\n  base model ${String(info.baseModel)}, data ${String(info.dataDir)}\n  chain ${String(info.chainId ?? "none")}, IPFS ${info.ipfs ? "yes" : "none"}, indexer ${String(info.indexer ?? "none (chain events)")}, trainer ${String(info.trainer ?? "none (models are not registered)")}`, { url: node.url, ...info });
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      await node.stop();
      return EXIT.ok;
    }
    if (command === "jobs" && sub === "estimate") {
      const estimate = (await api(base, "POST", "/v1/jobs/estimate", jobBody(values, "estimate"), operatorToken(values))) as JobEstimate;
      print(describeEstimate(estimate), estimate);
      return EXIT.ok;
    }
    if (command === "jobs" && sub === "submit") {
      const body = jobBody(values, "submit");
      const job = (await api(base, "POST", "/v1/jobs", body, operatorToken(values))) as Job;
      print(`submitted ${job.id} (Datanets ${job.spec.datanetIds.join(", ")}, up to block ${job.spec.upToBlock ?? "-"}, ${job.spec.method})`, job);
      if (!values.watch) return EXIT.ok;
      const final = await watch(base, job.id, json);
      print(describeJob(final), final);
      return exitForJob(final);
    }
    if (command === "jobs" && sub === "list") {
      const { data } = (await api(base, "GET", "/v1/jobs")) as { data: Job[] };
      print(data.length ? table(data.map(jobRow), ["id", "state", "datanets", "method", "step", "loss", "model"]) : "no jobs", data);
      return EXIT.ok;
    }
    if (command === "jobs" && (sub === "status" || sub === "cancel" || sub === "retry")) {
      const id = rest[0];
      if (!id) throw new CliError(`jobs ${sub} needs a job id`, EXIT.usage);
      if (sub === "cancel" || sub === "retry") {
        const job = (await api(base, "POST", `/v1/jobs/${encodeURIComponent(id)}/${sub}`, {}, operatorToken(values))) as Job;
        print(sub === "cancel" ? `cancel requested: ${job.id} is ${job.state}` : `${job.id} queued again; it resumes where it stopped`, job);
        if (sub === "retry" && values.watch) {
          const final = await watch(base, id, json);
          print(describeJob(final), final);
          return exitForJob(final);
        }
        return EXIT.ok;
      }
      if (values.watch) {
        const final = await watch(base, id, json);
        print(describeJob(final), final);
        return exitForJob(final);
      }
      const job = (await api(base, "GET", `/v1/jobs/${encodeURIComponent(id)}`)) as Job;
      print(describeJob(job), job);
      return EXIT.ok;
    }
    if (command === "models") {
      const { data } = (await api(base, "GET", "/v1/models")) as { data: Record<string, unknown>[] };
      print(table(data, ["id", "kind", "base", "method", "artifactCid"]), data);
      return EXIT.ok;
    }
    if (command === "chat") {
      if (!values.model) throw new CliError("chat needs --model (see `trainer models`)", EXIT.usage);
      const settings = {
        model: values.model,
        ...(values.temperature === undefined ? {} : { temperature: numberFlag(values, "temperature") }),
        ...(values["top-p"] === undefined ? {} : { top_p: numberFlag(values, "top-p") }),
        ...(values["max-tokens"] === undefined ? {} : { max_tokens: numberFlag(values, "max-tokens") }),
      };
      const history: { role: string; content: string }[] = values.system ? [{ role: "system", content: values.system }] : [];
      // Human output streams the answer as it is generated; --json prints the whole completion.
      const ask = async (prompt: string) => {
        history.push({ role: "user", content: prompt });
        let content: string;
        let reply: unknown;
        if (json) {
          const completion = (await api(base, "POST", "/v1/chat/completions", { ...settings, messages: history })) as { choices: { message: { content: string } }[] };
          content = completion.choices[0]?.message.content ?? "";
          reply = completion;
        } else {
          content = await streamChat(base, { ...settings, messages: history }, (delta) => process.stdout.write(delta));
          process.stdout.write("\n");
        }
        history.push({ role: "assistant", content });
        return { content, reply };
      };
      const prompt = [sub, ...rest].filter((s) => s !== undefined).join(" ");
      if (prompt) {
        const { reply } = await ask(prompt);
        if (json) print("", reply);
        return EXIT.ok;
      }
      // Lines are read through the interface's iterator, which buffers them (piped input
      // arrives faster than the answers).
      const rl = createInterface({ input: process.stdin, terminal: false });
      const prompt_ = () => { if (process.stdin.isTTY) process.stdout.write("> "); };
      try {
        prompt_();
        for await (const line of rl) {
          if (line.trim() === "/exit") break;
          if (line.trim()) {
            const { reply } = await ask(line);
            if (json) process.stdout.write(`${JSON.stringify(reply)}\n`);
          }
          prompt_();
        }
      } finally {
        rl.close();
      }
      return EXIT.ok;
    }
    throw new CliError(`unknown command: ${positionals.join(" ")}`, EXIT.usage);
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`trainer: ${error.message}${error.code === EXIT.usage ? `\n\n${USAGE}` : ""}\n`);
      return error.code;
    }
    process.stderr.write(`trainer: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.failed;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
