// Talking to the indexer, the trainer and the IPFS node through the app server. An unreachable
// service is a `ServiceDownError` naming it, so that the page can say which one is down.
export type ServiceKey = "indexer" | "ipfs" | "trainer" | "rpc";

const LABELS: Record<ServiceKey, string> = { indexer: "indexer", ipfs: "IPFS node", trainer: "trainer node", rpc: "chain" };

export class ServiceDownError extends Error {
  override name = "ServiceDownError";
  readonly service: ServiceKey;
  readonly label: string;
  constructor(service: ServiceKey, message?: string) {
    super(message ?? `the ${LABELS[service]} is not answering`);
    this.service = service;
    this.label = LABELS[service];
  }
}

export class ServiceRequestError extends Error {
  override name = "ServiceRequestError";
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** fetch, with a network failure or the app server's 502 turned into `ServiceDownError`. */
export async function serviceFetch(service: ServiceKey, url: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ServiceDownError(service, `the ${LABELS[service]} could not be reached (${(error as Error).message})`);
  }
  if (res.status === 502 || res.status === 503 || res.status === 504) {
    let message: string | undefined;
    try {
      message = ((await res.json()) as { error?: { message?: string } }).error?.message;
    } catch {
      // not JSON
    }
    throw new ServiceDownError(service, message ?? `the ${LABELS[service]} answered ${res.status}`);
  }
  return res;
}

/** Reads an error body of the services ({error: {message}} or {error: "…"} or {errors: [{message}]}). */
export async function errorMessageOf(res: Response): Promise<string> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { error?: { message?: string } | string; errors?: { message: string }[] };
    if (typeof body.error === "string") return body.error;
    if (body.error?.message) return body.error.message;
    if (body.errors?.length) return body.errors.map((e) => e.message).join("; ");
  } catch {
    // plain text
  }
  return text.slice(0, 300) || `HTTP ${res.status}`;
}
