// Step 3 of ModelFactory: the same prompt to the base model and to the tuned one, answers side by
// side, streamed through the trainer's OpenAI-compatible chat. Greedy (temperature 0) so that a
// difference comes from the training, not from sampling.
import { useId, useRef, useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice.tsx";
import { useProtocol } from "../../hooks/protocol.tsx";
import { streamChat } from "../../lib/chat.ts";

interface Side {
  model: string;
  title: string;
}

const MAX_TOKENS = 64;

function answerPlaceholder(index: number, busy: number | undefined, asked: boolean): string {
  if (busy === index) return "…";
  if (busy !== undefined && busy < index) return "waiting…";
  return asked && busy === undefined ? "(no answer: the model ended at once)" : "";
}

export function CompareChat({ base, tuned }: { base: Side; tuned: Side }) {
  const { urls } = useProtocol();
  const [prompt, setPrompt] = useState("");
  const [asked, setAsked] = useState("");
  const [answers, setAnswers] = useState<[string, string]>(["", ""]);
  const [busy, setBusy] = useState<number | undefined>();
  const [error, setError] = useState<unknown>();
  const abort = useRef<AbortController | undefined>(undefined);
  const promptId = useId();

  const ask = async (e: React.FormEvent) => {
    e.preventDefault();
    const text = prompt.trim();
    if (!text || busy !== undefined) return;
    setAsked(text);
    setAnswers(["", ""]);
    setError(undefined);
    abort.current = new AbortController();
    try {
      // One after the other: the node generates one answer at a time anyway.
      for (const [index, side] of [base, tuned].entries()) {
        setBusy(index);
        const answer = await streamChat(
          urls.trainer,
          { model: side.model, messages: [{ role: "user", content: text }], temperature: 0, maxTokens: MAX_TOKENS },
          (partial) => setAnswers((a) => (index === 0 ? [partial, a[1]] : [a[0], partial])),
          abort.current.signal,
        );
        setAnswers((a) => (index === 0 ? [answer, a[1]] : [a[0], answer]));
      }
    } catch (err) {
      if ((err as Error).name !== "AbortError") setError(err);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <section className="card" aria-labelledby="compare-title" data-testid="compare-chat">
      <h2 id="compare-title">Compare: base and tuned, same prompt</h2>
      <form className="chat-form" onSubmit={ask}>
        <div className="field grow">
          <label htmlFor={promptId}>Prompt for both models</label>
          <input id={promptId} value={prompt} onChange={(e) => setPrompt(e.target.value)} placeholder="Ask something the data taught it" />
        </div>
        <button type="submit" disabled={busy !== undefined || !prompt.trim()}>
          Ask both
        </button>
        {busy !== undefined ? (
          <button type="button" className="secondary" onClick={() => abort.current?.abort()}>
            Stop
          </button>
        ) : null}
      </form>
      {asked ? <p className="muted small">You asked: {asked} (greedy, up to {MAX_TOKENS} tokens)</p> : null}
      <div className="grid-2 compare-answers" aria-live="polite">
        {[base, tuned].map((side, index) => (
          <div key={side.model} className="compare-answer" data-testid={index === 0 ? "answer-base" : "answer-tuned"} data-done={asked && busy === undefined ? "true" : "false"}>
            <h3>
              {side.title} <code className="small">{side.model}</code>
            </h3>
            <p>{answers[index] || answerPlaceholder(index, busy, asked !== "")}</p>
          </div>
        ))}
      </div>
      <ErrorNotice error={error} />
    </section>
  );
}
