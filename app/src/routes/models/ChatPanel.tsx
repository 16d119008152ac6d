// Chat with a model through the trainer node (OpenAI-compatible, streamed tokens). Temperature
// defaults to 0 (greedy): small fine-tuned models answer their facts reliably that way.
import { useId, useRef, useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice.tsx";
import { useServiceHealth } from "../../hooks/health.ts";
import { useProtocol } from "../../hooks/protocol.tsx";
import { streamChat, type ChatMessage } from "../../lib/chat.ts";

export function ChatPanel({ model, title }: { model: string; title: string }) {
  const { urls } = useProtocol();
  const health = useServiceHealth();
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [prompt, setPrompt] = useState("");
  const [temperature, setTemperature] = useState("0");
  const [streaming, setStreaming] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const abort = useRef<AbortController | undefined>(undefined);
  const promptId = useId();
  const tempId = useId();

  const send = async (e: React.FormEvent) => {
    e.preventDefault();
    const text = prompt.trim();
    if (!text || streaming !== undefined) return;
    const history: ChatMessage[] = [...messages, { role: "user", content: text }];
    setMessages(history);
    setPrompt("");
    setError(undefined);
    setStreaming("");
    abort.current = new AbortController();
    try {
      const answer = await streamChat(urls.trainer, { model, messages: history, temperature: Math.min(2, Math.max(0, Number(temperature) || 0)), maxTokens: 128 }, setStreaming, abort.current.signal);
      setMessages([...history, { role: "assistant", content: answer }]);
    } catch (err) {
      if ((err as Error).name !== "AbortError") setError(err);
    } finally {
      setStreaming(undefined);
    }
  };

  return (
    <section className="card chat" aria-labelledby="chat-title">
      <h2 id="chat-title">{title}</h2>
      {health.trainer === false ? <p className="notice">The trainer node is not answering: chat is unavailable until it is back.</p> : null}
      <ol className="chat-log" aria-live="polite" data-testid="chat-log">
        {messages.map((m, i) => (
          <li key={i} className={`chat-${m.role}`}>
            <span className="chat-role">{m.role === "user" ? "You" : "Model"}</span> {m.content}
          </li>
        ))}
        {streaming !== undefined ? (
          <li className="chat-assistant" data-testid="chat-streaming">
            <span className="chat-role">Model</span> {streaming || "…"}
          </li>
        ) : null}
      </ol>
      <form className="chat-form" onSubmit={send}>
        <div className="field grow">
          <label htmlFor={promptId}>Message</label>
          <input id={promptId} value={prompt} onChange={(e) => setPrompt(e.target.value)} placeholder="Ask something the data taught it" />
        </div>
        <div className="field narrow">
          <label htmlFor={tempId}>Temperature</label>
          <input id={tempId} inputMode="decimal" value={temperature} onChange={(e) => setTemperature(e.target.value)} />
        </div>
        <button type="submit" disabled={streaming !== undefined || !prompt.trim()}>
          Send
        </button>
        {streaming !== undefined ? (
          <button type="button" className="secondary" onClick={() => abort.current?.abort()}>
            Stop
          </button>
        ) : null}
      </form>
      <ErrorNotice error={error} />
    </section>
  );
}
