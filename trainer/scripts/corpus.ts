// A deterministic generator of simple English: short stories/facts as plain text and ChatML
// question-answer conversations. Everything is produced here from word lists; no outside text.
import { Rng } from "../src/engine/rng.ts";
import type { TrainingExample } from "../src/engine/types.ts";

const NAMES = ["Ann", "Ben", "Cara", "Dan", "Eva", "Finn", "Gail", "Hugo", "Ivy", "Jack", "Kim", "Leo", "Mia", "Noah", "Olga", "Paul"];
const ANIMALS = ["cat", "dog", "bird", "fish", "horse", "cow", "duck", "fox", "frog", "rabbit", "mouse", "sheep"];
const COLOURS = ["red", "blue", "green", "yellow", "black", "white", "brown", "orange", "pink", "grey"];
const FOODS = ["bread", "apples", "rice", "soup", "cheese", "carrots", "fish", "cake", "eggs", "beans"];
const PLACES = ["park", "market", "school", "river", "garden", "library", "beach", "farm", "town", "forest"];
const VERBS = ["sees", "likes", "finds", "feeds", "draws", "follows"];
const OPPOSITES: [string, string][] = [["hot", "cold"], ["big", "small"], ["up", "down"], ["fast", "slow"], ["day", "night"], ["open", "closed"], ["old", "new"], ["happy", "sad"], ["wet", "dry"], ["light", "dark"]];
const FACTS: [string, string][] = [
  ["What colour is the sky?", "The sky is blue."], ["What colour is grass?", "Grass is green."],
  ["What colour is snow?", "Snow is white."], ["How many legs does a dog have?", "A dog has four legs."],
  ["How many legs does a bird have?", "A bird has two legs."], ["What do cows drink?", "Cows drink water."],
  ["Where do fish live?", "Fish live in water."], ["What comes after Monday?", "Tuesday comes after Monday."],
  ["How many days are in a week?", "There are seven days in a week."], ["What do bees make?", "Bees make honey."],
];
const NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"];

function pick<T>(rng: Rng, xs: T[]): T { return xs[rng.int(xs.length)]!; }

function sentence(rng: Rng): string {
  const n = pick(rng, NAMES), m = pick(rng, NAMES.filter((x) => x !== n)), a = pick(rng, ANIMALS), c = pick(rng, COLOURS), f = pick(rng, FOODS), p = pick(rng, PLACES);
  switch (rng.int(7)) {
    case 0: return `${n} has a ${c} ${a}.`;
    case 1: return `The ${a} likes to eat ${f}.`;
    case 2: return `${n} went to the ${p} with ${m}.`;
    case 3: return `${n} ${pick(rng, VERBS)} a ${c} ${a} at the ${p}.`;
    case 4: return `In the morning ${n} eats ${f}, and in the evening ${n} reads a book.`;
    case 5: { const [x, y] = pick(rng, OPPOSITES); return `The opposite of ${x} is ${y}.`; }
    default: { const i = rng.int(10), j = rng.int(10); return `${NUMBER_WORDS[i]} and ${NUMBER_WORDS[j]} make ${NUMBER_WORDS[i + j]}.`; }
  }
}

function qa(rng: Rng): [string, string] {
  switch (rng.int(6)) {
    case 0: return pick(rng, FACTS);
    case 1: { const i = rng.int(10), j = rng.int(10); return [`What is ${i} plus ${j}?`, `${i} plus ${j} is ${i + j}.`]; }
    case 2: { const [x, y] = pick(rng, OPPOSITES); return rng.int(2) ? [`What is the opposite of ${x}?`, `The opposite of ${x} is ${y}.`] : [`What is the opposite of ${y}?`, `The opposite of ${y} is ${x}.`]; }
    case 3: { const a = pick(rng, ANIMALS); return [`Spell the word ${a}.`, `${a.split("").join("-")}.`]; }
    case 4: { const n = pick(rng, NAMES), a = pick(rng, ANIMALS), c = pick(rng, COLOURS); return [`${n} has a ${c} ${a}. What colour is the ${a}?`, `The ${a} is ${c}.`]; }
    default: return pick(rng, [["Hello!", "Hello! How can I help you?"], ["Who are you?", "I am a small language model."], ["Thank you.", "You are welcome."], ["Tell me a fact.", pick(rng, FACTS)[1]]] as [string, string][]);
  }
}

export function generateCorpus(count: number, seed: number): TrainingExample[] {
  const rng = new Rng(seed);
  const out: TrainingExample[] = [];
  for (let i = 0; i < count; i++) {
    if (rng.next() < 0.4) out.push({ text: Array.from({ length: 2 + rng.int(3) }, () => sentence(rng)).join(" ") });
    else {
      const [q, a] = qa(rng);
      const messages: { role: "system" | "user" | "assistant"; content: string }[] = [];
      if (rng.next() < 0.2) messages.push({ role: "system", content: "You are a helpful assistant." });
      messages.push({ role: "user", content: q }, { role: "assistant", content: a });
      out.push({ messages });
    }
  }
  return out;
}
