import { describe, expect, it } from "vitest";
import { parseSseChunk } from "../src/lib/chat.ts";
import { nextClockEstimate } from "../src/hooks/chain.ts";

describe("streamed chat", () => {
  it("splits server-sent events, keeping an unfinished event for the next chunk", () => {
    const first = parseSseChunk('data: {"a":1}\n\ndata: {"b"');
    expect(first).toEqual({ data: ['{"a":1}'], rest: 'data: {"b"' });
    const second = parseSseChunk(`${first.rest}:2}\n\ndata: [DONE]\n\n`);
    expect(second.data).toEqual(['{"b":2}', "[DONE]"]);
  });
});

describe("the chain's clock", () => {
  it("keeps the largest offset seen (a block is never ahead of wall clock + offset), and starts over on a restarted chain", () => {
    let clock = nextClockEstimate(undefined, { number: 10, timestamp: 1_000 }, 900);
    expect(clock.offset).toBe(100);
    // an idle chain: the latest block is old, the offset learnt earlier stands
    clock = nextClockEstimate(clock, { number: 10, timestamp: 1_000 }, 950);
    expect(clock.offset).toBe(100);
    // time moved ahead by an hour on the chain
    clock = nextClockEstimate(clock, { number: 11, timestamp: 4_650 }, 1_000);
    expect(clock.offset).toBe(3_650);
    // a new chain (lower block number)
    clock = nextClockEstimate(clock, { number: 2, timestamp: 1_010 }, 1_000);
    expect(clock.offset).toBe(10);
  });
});
