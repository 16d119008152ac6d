// The loop of the indexer's background workers (manifests, contents): prepare once, then passes
// every `pollMs` until stopped; a pass that filled its batch is followed by another at once; a
// failing pass (the database not ready yet) is logged and tried again at the next tick.
export interface RunningWorker {
  stop(): Promise<void>;
}

export function startPolling(args: {
  prepare: () => Promise<void>;
  /** One pass; returns how many items it handled. */
  pass: () => Promise<number>;
  batch: number;
  pollMs: number;
  log?: (message: string, error?: unknown) => void;
  name: string;
}): RunningWorker {
  let stopped = false;
  let prepared = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const run = async () => {
    try {
      if (!prepared) {
        await args.prepare();
        prepared = true;
      }
      for (;;) {
        const handled = await args.pass();
        if (stopped || handled < args.batch) break;
      }
    } catch (error) {
      args.log?.(`${args.name} pass failed; trying again`, error);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      current = run().finally(schedule);
    }, args.pollMs);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
