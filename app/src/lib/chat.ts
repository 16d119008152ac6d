// Chat through the trainer node's OpenAI-compatible API, streamed: tokens arrive as server-sent
// events (`data: {choices: [{delta: {content}}]}` … `data: [DONE]`).
import { errorMessageOf, serviceFetch, ServiceRequestError } from "./services.ts";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatOptions {
  model: string;
  messages: ChatMessage[];
  temperature: number;
  maxTokens: number;
}

/** Splits an event stream's text into the data lines of complete events; returns the unfinished rest. */
export function parseSseChunk(buffer: string): { data: string[]; rest: string } {
  const events = buffer.split(/\r?\n\r?\n/);
  const rest = events.pop() ?? "";
  const data: string[] = [];
  for (const event of events) {
    const lines = event.split(/\r?\n/).filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart());
    if (lines.length > 0) data.push(lines.join("\n"));
  }
  return { data, rest };
}

export async function streamChat(trainerUrl: string, options: ChatOptions, onToken: (text: string) => void, signal?: AbortSignal): Promise<string> {
  const res = await serviceFetch("trainer", `${trainerUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ model: options.model, messages: options.messages, temperature: options.temperature, max_tokens: options.maxTokens, stream: true }),
    ...(signal ? { signal } : {}),
  });
  if (!res.ok || !res.body) throw new ServiceRequestError(res.status, `the trainer refused the chat: ${await errorMessageOf(res)}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let answer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const parsed = parseSseChunk(buffer + value);
    buffer = parsed.rest;
    for (const data of parsed.data) {
      if (data === "[DONE]") return answer;
      const chunk = JSON.parse(data) as { choices?: { delta?: { content?: string } }[]; error?: { message?: string } };
      if (chunk.error) throw new ServiceRequestError(500, `the trainer stopped: ${chunk.error.message ?? "unknown error"}`);
      const text = chunk.choices?.[0]?.delta?.content ?? "";
      if (text) {
        answer += text;
        onToken(answer);
      }
    }
  }
  return answer;
}
