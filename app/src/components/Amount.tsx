// An amount of OPEN (given in wei, shown in OPEN); the exact value is in the title.
import { formatUnits } from "viem";
import { formatOpen } from "../lib/format.ts";

export function Amount({ wei, decimals }: { wei: bigint | string | null | undefined; decimals?: number }) {
  if (wei === null || wei === undefined) return <span className="amount muted">—</span>;
  const value = typeof wei === "bigint" ? wei : BigInt(wei);
  return (
    <span className="amount" title={`${formatUnits(value, 18)} OPEN`}>
      {formatOpen(value, decimals === undefined ? {} : { maxDecimals: decimals })}
    </span>
  );
}
