// A Datanet's owner: change limits (a new terms version; pending submissions keep theirs), pause
// and resume submissions, withdraw from the pool once paused for a review's length. Anyone may add
// to the pool (FundForm).
import { fundDatanet, setDatanetPaused, updateDatanetLimits, withdrawPool, type DatanetInfo } from "@openledger/sdk";
import { useId, useState } from "react";
import { TxProgress } from "../../components/TxProgress.tsx";
import { useChainTime } from "../../hooks/chain.ts";
import { useProtocolWrite } from "../../hooks/useWrite.ts";
import { formatDate, formatOpen, formatRelative, parseOpen } from "../../lib/format.ts";
import { parseWholeNumber } from "../../lib/inputs.ts";

export function FundForm({ datanetId }: { datanetId: number }) {
  const [amount, setAmount] = useState("1000");
  const id = useId();
  const fund = useProtocolWrite(async (value: string, { protocol, wallet }) => fundDatanet(wallet, { contracts: protocol.contracts, datanetId, amount: parseOpen(value) }));
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        fund.mutate(amount);
      }}
    >
      <div className="field">
        <label htmlFor={id}>Add to the reward pool (OPEN)</label>
        <input id={id} inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />
      </div>
      <button type="submit" disabled={fund.isPending}>
        Fund
      </button>
      <TxProgress write={fund} done={fund.data ? `Funded: the pool holds ${formatOpen(fund.data.result.pool)}.` : undefined} />
    </form>
  );
}

/**
 * Taking OPEN out of the pool. The contract allows it only while submissions are paused and once a
 * review's length has passed since the pause (commit window + 2 reveal windows), so that every file
 * submitted before the pause is finalised and paid first; the form says when that is.
 */
function WithdrawForm({ datanet }: { datanet: DatanetInfo }) {
  const [amount, setAmount] = useState("");
  const id = useId();
  const now = useChainTime();
  const withdraw = useProtocolWrite(async (value: string, { protocol, wallet }) => withdrawPool(wallet, { contracts: protocol.contracts, datanetId: datanet.id, amount: parseOpen(value) }));
  const unlocksAt = datanet.poolUnlocksAt;
  if (!datanet.paused)
    return <p className="muted small">To take OPEN out of the pool, pause submissions first: the pool can be withdrawn once files submitted before the pause have had their review.</p>;
  const locked = unlocksAt !== null && (now === undefined || now < unlocksAt);
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        withdraw.mutate(amount);
      }}
    >
      <div className="field">
        <label htmlFor={id}>Withdraw from the pool to your wallet (OPEN)</label>
        <input id={id} inputMode="decimal" placeholder={formatOpen(datanet.pool, { unit: false, maxDecimals: 18 })} value={amount} onChange={(e) => setAmount(e.target.value)} />
      </div>
      <button type="submit" disabled={withdraw.isPending || locked}>
        Withdraw
      </button>
      {locked && unlocksAt !== null ? (
        <p className="muted small" data-testid="pool-unlocks">
          Withdrawable from {formatDate(unlocksAt)}
          {now !== undefined ? ` (${formatRelative(unlocksAt, now)})` : ""}: files submitted before the pause are reviewed and paid first.
        </p>
      ) : null}
      <TxProgress write={withdraw} done={withdraw.data ? `Withdrawn: the pool holds ${formatOpen(withdraw.data.result.pool)}.` : undefined} />
    </form>
  );
}

export function OwnerPanel({ datanet }: { datanet: DatanetInfo }) {
  const [limits, setLimits] = useState({
    reward: formatOpen(datanet.limits.reward, { unit: false, maxDecimals: 18 }),
    validatorReward: formatOpen(datanet.limits.validatorReward, { unit: false, maxDecimals: 18 }),
    deposit: formatOpen(datanet.limits.deposit, { unit: false, maxDecimals: 18 }),
    maxFileSize: String(datanet.limits.maxFileSize),
    dailyBytes: String(datanet.limits.dailyBytes),
    dailyFiles: String(datanet.limits.dailyFiles),
  });
  const ids = { reward: useId(), validatorReward: useId(), deposit: useId(), maxFileSize: useId(), dailyBytes: useId(), dailyFiles: useId() };
  const update = useProtocolWrite(async (l: typeof limits, { protocol, wallet }) =>
    updateDatanetLimits(wallet, {
      contracts: protocol.contracts,
      datanetId: datanet.id,
      limits: {
        reward: parseOpen(l.reward, { allowZero: true }),
        validatorReward: parseOpen(l.validatorReward, { allowZero: true }),
        deposit: parseOpen(l.deposit, { allowZero: true }),
        maxFileSize: parseWholeNumber(l.maxFileSize, "max file size"),
        dailyBytes: parseWholeNumber(l.dailyBytes, "daily bytes"),
        dailyFiles: parseWholeNumber(l.dailyFiles, "daily files"),
      },
    }),
  );
  const pause = useProtocolWrite(async (paused: boolean, { protocol, wallet }) => setDatanetPaused(wallet, { contracts: protocol.contracts, datanetId: datanet.id, paused }));
  const field = (key: keyof typeof limits, label: string, numeric = false) => (
    <div className="field">
      <label htmlFor={ids[key]}>{label}</label>
      <input id={ids[key]} inputMode={numeric ? "numeric" : "decimal"} value={limits[key]} onChange={(e) => setLimits((l) => ({ ...l, [key]: e.target.value }))} />
    </div>
  );
  return (
    <section className="card" aria-labelledby="owner-title">
      <h2 id="owner-title">You own this Datanet</h2>
      <div className="inline-form">
        <p>
          Submissions are <strong>{datanet.paused ? "paused" : "open"}</strong>. Pausing never blocks reviews, finalisation or claims.
        </p>
        <button type="button" className="secondary" disabled={pause.isPending} onClick={() => pause.mutate(!datanet.paused)}>
          {datanet.paused ? "Resume submissions" : "Pause submissions"}
        </button>
        <TxProgress write={pause} />
      </div>
      <WithdrawForm datanet={datanet} />
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          update.mutate(limits);
        }}
      >
        <h3>Limits (terms version {datanet.termsVersion})</h3>
        <p className="muted small">A change starts a new terms version; submissions already made keep the terms they were made under. 0 means the protocol's value.</p>
        <div className="grid-3">
          {field("reward", "Reward per accepted file (OPEN)")}
          {field("validatorReward", "Validator reward per file (OPEN)")}
          {field("deposit", "Deposit per submission (OPEN)")}
          {field("maxFileSize", "Max file size (bytes)", true)}
          {field("dailyBytes", "Bytes per contributor per day", true)}
          {field("dailyFiles", "Files per contributor per day", true)}
        </div>
        <button type="submit" disabled={update.isPending}>
          Change limits
        </button>
        <TxProgress write={update} done={update.data ? `Limits changed: terms version ${update.data.result.termsVersion}.` : undefined} />
      </form>
    </section>
  );
}
