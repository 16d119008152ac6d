// Many events quickly, for the crash test and the benchmark: protocol limits raised so that quotas do
// not stop a flood of 1-byte submissions, and two block shapes: many events per block (batches of
// up to 256 files) and one event per block.
import { encodePacked, keccak256, type Hex } from "viem";
import { datanetsAbi } from "@openledger/protocol";
import { Protocol, type FileSpec } from "@openledger/testkit";

export async function prepareFlood(p: Protocol): Promise<number> {
  const owner = p.t.wallets[0]!;
  await p.setProtocolLimits(owner, 10 * 1024 * 1024, 4_000_000_000, 65_535, 100);
  return p.createDatanet(owner, { limits: { dailyBytes: 4_000_000_000, dailyFiles: 65_535 } });
}

let counter = 0;
function files(n: number, tag: string): FileSpec[] {
  return Array.from({ length: n }, () => ({ digest: keccak256(encodePacked(["string", "uint256"], [tag, BigInt(counter++)])) as Hex, codec: 0, format: 0, size: 1 }));
}

/**
 * `events` submissions in blocks of `perBlock` events (one transaction per block), spread over the
 * nine non-deployer accounts. Transactions are sent without waiting for each receipt in between
 * (the node mines one block per transaction), then all receipts are awaited.
 */
export async function flood(p: Protocol, datanetId: number, events: number, perBlock: number, tag = "flood"): Promise<bigint> {
  const wallets = p.t.wallets.slice(1);
  let last = 0n;
  let sent = 0;
  let i = 0;
  const pending: Promise<bigint>[] = [];
  while (sent < events) {
    const n = Math.min(perBlock, events - sent);
    const wallet = wallets[i++ % wallets.length]!;
    const batch = files(n, tag);
    const hash =
      n === 1
        ? await wallet.writeContract({ address: p.addresses.Datanets, abi: datanetsAbi, functionName: "submit", args: [datanetId, batch[0]!, 0], chain: wallet.chain, account: wallet.account })
        : await wallet.writeContract({ address: p.addresses.Datanets, abi: datanetsAbi, functionName: "submitBatch", args: [datanetId, batch, 0], chain: wallet.chain, account: wallet.account });
    pending.push(
      p.t.client.waitForTransactionReceipt({ hash, pollingInterval: 50 }).then((r) => {
        if (r.status !== "success") throw new Error(`flood transaction ${hash} reverted`);
        return r.blockNumber;
      }),
    );
    sent += n;
    // Keep a bounded number of receipts in flight.
    if (pending.length >= 64) {
      for (const b of await Promise.all(pending.splice(0))) if (b > last) last = b;
    }
  }
  for (const b of await Promise.all(pending)) if (b > last) last = b;
  return last;
}
