// Requests the development account is asked to sign, waiting for the person's answer. The dialog
// (components/SigningDialog.tsx) shows the first one; Sign sends it on, Reject answers the dApp
// with EIP-1193's "user rejected" (4001), exactly as a wallet extension would.
import { UserRejectedRequestError } from "viem";

export interface SigningRequest {
  id: number;
  method: string;
  params: readonly unknown[];
  account: string;
  sign(): void;
  reject(): void;
}

export interface SigningState {
  queue: readonly SigningRequest[];
  /** When false, the development account signs without asking (for a person clicking through a demo). */
  askEachTime: boolean;
}

type Listener = () => void;

let state: SigningState = { queue: [], askEachTime: true };
const listeners = new Set<Listener>();
let nextId = 1;

function set(next: Partial<SigningState>): void {
  state = { ...state, ...next };
  for (const listener of listeners) listener();
}

export function rejection(): UserRejectedRequestError {
  return new UserRejectedRequestError(new Error("rejected in the development account dialog"));
}

export const signingRequests = {
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  },
  snapshot(): SigningState {
    return state;
  },
  /** Resolves when the person signs; rejects with a 4001 error when they reject. */
  ask(method: string, params: readonly unknown[], account: string): Promise<void> {
    if (!state.askEachTime) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const request: SigningRequest = {
        id: nextId++,
        method,
        params,
        account,
        sign: () => {
          set({ queue: state.queue.filter((r) => r !== request) });
          resolve();
        },
        reject: () => {
          set({ queue: state.queue.filter((r) => r !== request) });
          reject(rejection());
        },
      };
      set({ queue: [...state.queue, request] });
    });
  },
  setAskEachTime(askEachTime: boolean): void {
    set({ askEachTime });
  },
};
