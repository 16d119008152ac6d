// Errors the HTTP layer turns into Kubo's JSON error shape (`{"Message","Code":0,"Type":"error"}`).

/** Base of the errors that carry an HTTP status. */
export class IpfsNodeError extends Error {
  override name = "IpfsNodeError";
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

/** The request asked for something this node refuses (parameters outside the profile, bad CID). */
export class BadRequestError extends IpfsNodeError {
  override name = "BadRequestError";
  constructor(message: string) {
    super(message, 400);
  }
}

/** A block this node does not hold. The node is offline, so it never waits for one to arrive. */
export class BlockNotFoundError extends IpfsNodeError {
  override name = "BlockNotFoundError";
  readonly cid: string;
  constructor(cid: string, root?: string) {
    super(
      root === undefined || root === cid
        ? `block ${cid} not found: this node holds no such block and is offline (it never fetches from the network)`
        : `block ${cid} (part of ${root}) not found: this node holds only part of that DAG and is offline`,
      500,
    );
    this.cid = cid;
  }
}

/** A stored block whose bytes no longer hash to its CID (a damaged or altered data folder). */
export class CorruptBlockError extends IpfsNodeError {
  override name = "CorruptBlockError";
  constructor(cid: string) {
    super(`block ${cid} failed verification: its stored bytes do not hash to its CID; the data folder is damaged`, 500);
  }
}

/** The request body is larger than the node accepts. */
export class PayloadTooLargeError extends IpfsNodeError {
  override name = "PayloadTooLargeError";
  constructor(limit: number) {
    super(`request body exceeds the limit of ${limit} bytes (${(limit / 1048576).toFixed(0)} MiB); the protocol caps files at 10 MB`, 413);
  }
}

/** A pin operation on a CID that is not pinned the way it asks. */
export class NotPinnedError extends IpfsNodeError {
  override name = "NotPinnedError";
  constructor(message: string) {
    super(message, 500);
  }
}
