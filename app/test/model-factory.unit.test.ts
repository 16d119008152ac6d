import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseJobRequest } from "@openledger/trainer";
import { STARTER_JOB } from "@openledger/trainer/job-rules";
import { describe, expect, it } from "vitest";
import { cliCommandOf, DEFAULT_JOB_FORM, formFromJob, jobRequestOf, readNumber, validateJobForm, type JobForm } from "../src/lib/job-form.ts";
import { lossPoints, parseSseEvents, toJobEvent, type JobEvent, type TrainerJob } from "../src/lib/training.ts";

const form = (patch: Partial<JobForm>): JobForm => ({ ...DEFAULT_JOB_FORM, datanetIds: [1], ...patch });

describe("ModelFactory's form", () => {
  it("starts from the trainer's starter run (the one the seed proves learns), valid once a Datanet is chosen", () => {
    expect(validateJobForm(DEFAULT_JOB_FORM)).toEqual({ datanetIds: "Choose at least one Datanet with accepted files." });
    expect(validateJobForm(form({}))).toEqual({});
    const request = jobRequestOf(form({}));
    expect(request).toEqual({
      datanetIds: [1],
      method: "lora",
      hyperparameters: { learningRate: 0.005, epochs: 60, batchSize: 2, gradientAccumulation: 1, maxSeqLen: 128, evalFraction: 0 },
      lora: { rank: 8, alpha: 16, targetModules: ["all-linear"] },
    });
    // The same run as the seed's (`STARTER_JOB`), which test/demo.test.ts shows learning.
    expect(request).toMatchObject({ method: STARTER_JOB.method, hyperparameters: STARTER_JOB.hyperparameters, lora: { rank: STARTER_JOB.lora.rank, alpha: STARTER_JOB.lora.alpha, targetModules: [...STARTER_JOB.lora.targetModules] } });
  });

  it("names the rule and the number for each wrong value", () => {
    const errors = validateJobForm(form({ learningRate: "5", epochs: "0", batchSize: "2.5", maxSeqLen: "4", evalFraction: "0.6", loraRank: "2000", loraAlpha: "0", gradientAccumulation: "" }));
    expect(errors).toEqual({
      learningRate: "Learning rate must be in (0, 1], got 5.",
      epochs: "Epochs must be an integer in [1, 1000], got 0.",
      batchSize: "Batch size must be an integer in [1, 1024], got 2.5.",
      maxSeqLen: "Max sequence length (tokens) must be an integer in [8, 32768], got 4.",
      evalFraction: "Evaluation share must be in [0, 0.5], got 0.6.",
      loraRank: "LoRA rank must be an integer in [1, 1024], got 2000.",
      loraAlpha: "LoRA alpha must be in (0, 4096], got 0.",
      gradientAccumulation: "Gradient accumulation is required.",
    });
    expect(validateJobForm(form({ learningRate: "fast" })).learningRate).toBe('Learning rate must be a number, got "fast".');
    expect(validateJobForm(form({ targetModules: "q_proj, v-proj!" })).targetModules).toMatch(/module names separated by commas/);
    expect(validateJobForm(form({ datanetIds: Array.from({ length: 33 }, (_, i) => i + 1) })).datanetIds).toBe("A model may be trained on at most 32 Datanets; 33 are chosen.");
  });

  it("applies the same rules as the trainer node (one source: @openledger/trainer/job-rules)", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "factory-base-"));
    writeFileSync(path.join(dir, "config.json"), JSON.stringify({ model_type: "llama" }));
    const cases: [Partial<JobForm>, string][] = [
      [{ learningRate: "5" }, "learningRate"],
      [{ epochs: "0" }, "epochs"],
      [{ loraAlpha: "0" }, "lora.alpha"],
      [{ evalFraction: "0.6" }, "evalFraction"],
    ];
    for (const [patch, trainerName] of cases) {
      const f = form(patch);
      const pageError = Object.values(validateJobForm(f))[0]!;
      const trainerError = (() => {
        try {
          parseJobRequest({ ...jobRequestOf(f), baseModel: dir }, { baseModel: dir });
        } catch (error) {
          return (error as Error).message;
        }
        return "accepted";
      })();
      // The same rule and number; only the field's name differs (the page uses its label).
      expect(trainerError.slice(trainerName.length)).toBe(pageError.slice(pageError.indexOf(" must ")).replace(/\.$/, ""));
    }
    expect(() => parseJobRequest({ ...jobRequestOf(form({ learningRate: "1e-4", method: "qlora", targetModules: "q_proj,k_proj" })), baseModel: dir }, { baseModel: dir })).not.toThrow();
  });

  it("reads decimal and exponent notation only", () => {
    expect(readNumber("1e-4")).toBe(0.0001);
    expect(readNumber(" .5 ")).toBe(0.5);
    expect(readNumber("0x10")).toBeNaN();
    expect(readNumber("1,5")).toBeNaN();
  });

  it("leaves the LoRA settings out for a full fine-tune, and checks none of them", () => {
    const request = jobRequestOf(form({ method: "full", loraRank: "0" }));
    expect(validateJobForm(form({ method: "full", loraRank: "0" }))).toEqual({});
    expect(request.lora).toBeUndefined();
    expect(cliCommandOf(request)).toBe("trainer jobs submit --datanet 1 --method full --learning-rate 0.005 --epochs 60 --batch-size 2 --gradient-accumulation 1 --max-seq-len 128 --eval-fraction 0 --watch");
  });

  it("refines: the finished job's settings, with its registered model as parent", () => {
    const job = {
      id: "job-1",
      state: "succeeded",
      spec: {
        datanetIds: [2, 3],
        baseModel: "/models/tiny",
        baseModelName: "tiny",
        method: "lora",
        training: { learningRate: 0.002, epochs: 3, batchSize: 2, gradientAccumulation: 2, maxSeqLen: 64, evalFraction: 0.2, lora: { rank: 4, alpha: 8, dropout: 0, targetModules: ["q_proj", "v_proj"] } },
      },
      publication: { modelId: "7", artifact: { cid: "bafk" } },
    } as unknown as TrainerJob;
    const refined = formFromJob(job, true);
    expect(refined).toMatchObject({ datanetIds: [2, 3], epochs: "3", loraRank: "4", targetModules: "q_proj, v_proj", parentModelId: 7 });
    expect(jobRequestOf(refined)).toMatchObject({ parentModelId: 7, lora: { rank: 4, alpha: 8, targetModules: ["q_proj", "v_proj"] } });
    expect(formFromJob(job, false).parentModelId).toBeUndefined();
  });
});

describe("a job's progress over server-sent events", () => {
  const progress = (step: number, loss: number, evalLoss?: number) =>
    `event: progress\ndata: ${JSON.stringify({ type: "progress", step, totalSteps: 4, epoch: 1, loss, tokensPerSecond: 2100, etaSeconds: 4 - step, ...(evalLoss === undefined ? {} : { evalLoss }) })}\n\n`;

  it("parses named events across chunk boundaries and keeps the unfinished rest", () => {
    const stream = `event: state\ndata: {"type":"state","state":"training","at":"t"}\n\n${progress(1, 5.5)}: keep-alive\n\n${progress(2, 4.25, 4.5)}`;
    const cut = stream.length - 20;
    const first = parseSseEvents(stream.slice(0, cut));
    expect(first.events.map((e) => e.event)).toEqual(["state", "progress"]);
    const second = parseSseEvents(first.rest + stream.slice(cut));
    expect(second.events).toHaveLength(1);
    expect(second.rest).toBe("");
    const typed = [...first.events, ...second.events].map((e) => toJobEvent(e.event, e.data));
    expect(typed[0]).toEqual({ type: "state", state: "training", at: "t" });
    expect(typed[2]).toMatchObject({ type: "progress", step: 2, loss: 4.25, evalLoss: 4.5, tokensPerSecond: 2100, etaSeconds: 2 });
  });

  it("reads CRLF streams, the end event (the final job), and ignores what it does not know", () => {
    const { events } = parseSseEvents('event: end\r\ndata: {"id":"job-1","state":"succeeded"}\r\n\r\nevent: progress\r\ndata: not json\r\n\r\nevent: other\r\ndata: {"type":"other"}\r\n\r\n');
    expect(toJobEvent(events[0]!.event, events[0]!.data)).toEqual({ type: "end", job: { id: "job-1", state: "succeeded" } });
    expect(toJobEvent(events[1]!.event, events[1]!.data)).toBeUndefined();
    expect(toJobEvent(events[2]!.event, events[2]!.data)).toBeUndefined();
    expect(toJobEvent("progress", '{"type":"progress","step":1,"loss":null}')).toBeUndefined();
  });

  it("draws one point per step: a resumed job's repeated steps replace the earlier ones", () => {
    const events = parseSseEvents(progress(1, 5) + progress(2, 4, 4.4) + progress(2, 3.9) + progress(3, 3)).events.map((e) => toJobEvent(e.event, e.data)!) as JobEvent[];
    expect(lossPoints(events).map((p) => [p.step, p.loss, p.evalLoss])).toEqual([
      [1, 5, undefined],
      [2, 3.9, undefined],
      [3, 3, undefined],
    ]);
  });
});
