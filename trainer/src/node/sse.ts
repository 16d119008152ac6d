// Reading a job's event stream (`GET /v1/jobs/:id/events`, server-sent events): one parser for the
// trainer's CLI, the app and the seed. Pure, with no Node imports, so that the app bundles it.

/** Splits an event stream's text into complete events (name and data); returns the unfinished rest. */
export function parseSseEvents(buffer: string): { events: { event: string; data: string }[]; rest: string } {
  const blocks = buffer.split(/\r?\n\r?\n/);
  const rest = blocks.pop() ?? "";
  const events: { event: string; data: string }[] = [];
  for (const block of blocks) {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    if (data.length > 0) events.push({ event, data: data.join("\n") });
  }
  return { events, rest };
}
