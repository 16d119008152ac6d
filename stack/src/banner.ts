// The last line `npm start` (stack/bin/start.ts) prints once every service answers: what a script or
// a test that starts the stack waits for.
export const STACK_READY_LINE = "Press Ctrl-C to stop.";
