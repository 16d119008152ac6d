// Chat templates recognised from tokenizer_config.json's chat_template text (no general Jinja):
// ChatML (<|im_start|>, Qwen), Llama 3 headers (<|start_header_id|>), Llama 2 / Mistral [INST],
// Gemma (<start_of_turn>), Phi-3 (<|user|> … <|end|>), and a plain "User:/Assistant:" fallback when
// there is no template or it is not recognised.
import type { ChatMessage } from "./types.ts";

/** A rendered piece of a conversation; `train` marks what the assistant says (loss is taken there). */
export interface TemplatePart { text: string; train: boolean }
export interface ChatTemplate { name: "chatml" | "llama3" | "llama2" | "gemma" | "phi3" | "plain"; render(messages: ChatMessage[], addGenerationPrompt: boolean): TemplatePart[]; stopTokens: string[] }

const chatml: ChatTemplate = {
  name: "chatml",
  stopTokens: ["<|im_end|>"],
  render(messages, gen) {
    const parts: TemplatePart[] = [];
    for (const m of messages) {
      parts.push({ text: `<|im_start|>${m.role}\n`, train: false });
      parts.push({ text: `${m.content}<|im_end|>`, train: m.role === "assistant" });
      parts.push({ text: "\n", train: false });
    }
    if (gen) parts.push({ text: "<|im_start|>assistant\n", train: false });
    return parts;
  },
};

const llama3: ChatTemplate = {
  name: "llama3",
  stopTokens: ["<|eot_id|>", "<|end_of_text|>"],
  render(messages, gen) {
    const parts: TemplatePart[] = [{ text: "<|begin_of_text|>", train: false }];
    for (const m of messages) {
      parts.push({ text: `<|start_header_id|>${m.role}<|end_header_id|>\n\n`, train: false });
      parts.push({ text: `${m.content.trim()}<|eot_id|>`, train: m.role === "assistant" });
    }
    if (gen) parts.push({ text: "<|start_header_id|>assistant<|end_header_id|>\n\n", train: false });
    return parts;
  },
};

const llama2: ChatTemplate = {
  name: "llama2",
  stopTokens: ["</s>"],
  render(messages, gen) {
    const parts: TemplatePart[] = [];
    let system = "";
    for (const m of messages) {
      if (m.role === "system") { system = `<<SYS>>\n${m.content}\n<</SYS>>\n\n`; continue; }
      if (m.role === "user") { parts.push({ text: `<s>[INST] ${system}${m.content.trim()} [/INST]`, train: false }); system = ""; }
      else parts.push({ text: ` ${m.content.trim()}</s>`, train: true });
    }
    void gen; // the prompt already ends where the assistant starts
    return parts;
  },
};

const gemma: ChatTemplate = {
  name: "gemma",
  stopTokens: ["<end_of_turn>", "<eos>"],
  render(messages, gen) {
    // Gemma has no system role: a system message is prefixed to the first user turn
    const parts: TemplatePart[] = [{ text: "<bos>", train: false }];
    let system = "";
    for (const m of messages) {
      if (m.role === "system") { system = `${m.content}\n\n`; continue; }
      const role = m.role === "assistant" ? "model" : "user";
      parts.push({ text: `<start_of_turn>${role}\n${m.role === "user" ? system : ""}`, train: false });
      if (m.role === "user") system = "";
      parts.push({ text: `${m.content.trim()}<end_of_turn>`, train: m.role === "assistant" });
      parts.push({ text: "\n", train: false });
    }
    if (gen) parts.push({ text: "<start_of_turn>model\n", train: false });
    return parts;
  },
};

const phi3: ChatTemplate = {
  name: "phi3",
  stopTokens: ["<|end|>", "<|endoftext|>"],
  render(messages, gen) {
    const parts: TemplatePart[] = [];
    for (const m of messages) {
      parts.push({ text: `<|${m.role}|>\n`, train: false });
      parts.push({ text: `${m.content}<|end|>`, train: m.role === "assistant" });
      parts.push({ text: "\n", train: false });
    }
    if (gen) parts.push({ text: "<|assistant|>\n", train: false });
    return parts;
  },
};

const plain: ChatTemplate = {
  name: "plain",
  stopTokens: [],
  render(messages, gen) {
    const parts: TemplatePart[] = [];
    const label = { system: "System", user: "User", assistant: "Assistant" } as const;
    for (const m of messages) {
      parts.push({ text: `${label[m.role]}: `, train: false });
      parts.push({ text: `${m.content}\n`, train: m.role === "assistant" });
    }
    if (gen) parts.push({ text: "Assistant: ", train: false });
    return parts;
  },
};

export function chatTemplateFor(template: string | null): ChatTemplate {
  if (!template) return plain;
  if (template.includes("<|im_start|>")) return chatml;
  if (template.includes("<|start_header_id|>")) return llama3;
  if (template.includes("[INST]")) return llama2;
  if (template.includes("<start_of_turn>")) return gemma;
  if (template.includes("<|assistant|>") && template.includes("<|end|>")) return phi3;
  return plain;
}
