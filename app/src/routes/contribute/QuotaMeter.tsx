// Today's quota (UTC day, chain time): files and bytes used and left, protocol-wide and in this
// Datanet, and when the day resets. The numbers are the contract's (`quotaOf`, through the SDK).
import type { DatanetInfo, ProtocolLimits, Quota } from "@openledger/sdk";
import { formatBytes, formatCount, formatDate, formatRelative } from "../../lib/format.ts";

function Meter({ label, used, limit, format }: { label: string; used: number; limit: number; format: (n: number) => string }) {
  const share = limit > 0 ? Math.min(1, used / limit) : 1;
  return (
    <div className="meter">
      <div className="meter-label">
        <span>{label}</span>
        <span>
          {format(used)} of {format(limit)} used
        </span>
      </div>
      <div className="meter-bar" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={limit} aria-valuenow={used}>
        <div style={{ width: `${share * 100}%` }} className={share >= 1 ? "full" : ""} />
      </div>
    </div>
  );
}

export function QuotaMeter({ quota, datanet, limits, now }: { quota: Quota; datanet: DatanetInfo; limits: ProtocolLimits; now: number | undefined }) {
  // A Datanet setting of 0 means the protocol's value (the contract reads it so).
  const datanetFiles = datanet.limits.dailyFiles || limits.dailyFiles;
  const datanetBytes = datanet.limits.dailyBytes || limits.dailyBytes;
  const count = (n: number) => formatCount(n);
  return (
    <section className="card quota" aria-labelledby="quota-title" data-testid="quota">
      <h2 id="quota-title">Today's quota</h2>
      <p>
        You may still submit <strong>{formatCount(quota.filesLeft)} files</strong> and <strong>{formatBytes(quota.bytesLeft)}</strong> to this Datanet today. The day resets at{" "}
        {formatDate(quota.resetsAt)}
        {now !== undefined ? ` (${formatRelative(Math.floor(quota.resetsAt.getTime() / 1000), now)}, chain time)` : ""}.
      </p>
      <div className="grid-2">
        <Meter label="Files, all Datanets" used={quota.protocolFilesUsed} limit={limits.dailyFiles} format={count} />
        <Meter label="Bytes, all Datanets" used={quota.protocolBytesUsed} limit={limits.dailyBytes} format={formatBytes} />
        <Meter label={`Files, Datanet ${datanet.id}`} used={quota.datanetFilesUsed} limit={datanetFiles} format={count} />
        <Meter label={`Bytes, Datanet ${datanet.id}`} used={quota.datanetBytesUsed} limit={datanetBytes} format={formatBytes} />
      </div>
    </section>
  );
}
