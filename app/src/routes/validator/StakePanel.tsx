// Stake, unstake, withdraw; the position with its activation and unbonding times as dates.
import { stake, unstake, withdrawStake } from "@openledger/sdk";
import { useId, useState } from "react";
import type { Address } from "viem";
import { Amount } from "../../components/Amount.tsx";
import { ErrorNotice } from "../../components/ErrorNotice.tsx";
import { TxProgress } from "../../components/TxProgress.tsx";
import { useChainTime, useStakePosition } from "../../hooks/chain.ts";
import { useProtocolWrite } from "../../hooks/useWrite.ts";
import { formatDate, formatRelative, parseOpen } from "../../lib/format.ts";

export function StakePanel({ validator }: { validator: Address }) {
  const position = useStakePosition(validator);
  const now = useChainTime();
  const [stakeAmount, setStakeAmount] = useState("2000");
  const [unstakeAmount, setUnstakeAmount] = useState("");
  const stakeId = useId();
  const unstakeId = useId();
  const doStake = useProtocolWrite(async (value: string, { protocol, wallet }) => stake(wallet, { contracts: protocol.contracts, amount: parseOpen(value) }));
  const doUnstake = useProtocolWrite(async (value: string, { protocol, wallet }) => unstake(wallet, { contracts: protocol.contracts, amount: parseOpen(value) }));
  const doWithdraw = useProtocolWrite(async (_: void, { protocol, wallet }) => withdrawStake(wallet, { contracts: protocol.contracts }));
  const p = position.data;
  const at = (date: Date) => `${formatDate(date)}${now !== undefined ? ` (${formatRelative(Math.floor(date.getTime() / 1000), now)})` : ""}`;
  return (
    <section className="card" aria-labelledby="stake-title">
      <h2 id="stake-title">Stake</h2>
      <ErrorNotice error={position.error} />
      {p ? (
        <dl className="facts" data-testid="stake-position">
          <div>
            <dt>Votes with</dt>
            <dd>
              <Amount wei={p.eligible} /> {p.eligible < p.minimumStake ? <span className="badge badge-warn">below the minimum of {`${Number(p.minimumStake / 10n ** 18n).toLocaleString("en-US")} OPEN`}</span> : <span className="badge status-accepted">can vote</span>}
            </dd>
          </div>
          <div>
            <dt>Active</dt>
            <dd>
              <Amount wei={p.active} />
            </dd>
          </div>
          <div>
            <dt>Activating</dt>
            <dd>
              <Amount wei={p.activating} />
              {p.activating > 0n ? <> · votes from {at(p.activeAt)}</> : null}
            </dd>
          </div>
          <div>
            <dt>Unbonding</dt>
            <dd>
              <Amount wei={p.unbonding} />
              {p.unbonding > 0n ? <> · withdrawable from {at(p.withdrawableAt)}</> : null}
            </dd>
          </div>
          <div>
            <dt>Open votes</dt>
            <dd>{p.openVotes} unrevealed commitment(s)</dd>
          </div>
        </dl>
      ) : null}
      <div className="grid-2">
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            doStake.mutate(stakeAmount);
          }}
        >
          <div className="field">
            <label htmlFor={stakeId}>Stake (OPEN)</label>
            <input id={stakeId} inputMode="decimal" value={stakeAmount} onChange={(e) => setStakeAmount(e.target.value)} />
          </div>
          <button type="submit" disabled={doStake.isPending}>
            Stake
          </button>
          <TxProgress write={doStake} done={doStake.data ? `Staked: it votes from ${formatDate(doStake.data.result.activeAt)}.` : undefined} />
        </form>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            doUnstake.mutate(unstakeAmount);
          }}
        >
          <div className="field">
            <label htmlFor={unstakeId}>Unstake (OPEN)</label>
            <input id={unstakeId} inputMode="decimal" value={unstakeAmount} onChange={(e) => setUnstakeAmount(e.target.value)} />
          </div>
          <button type="submit" className="secondary" disabled={doUnstake.isPending}>
            Start unbonding
          </button>
          <TxProgress write={doUnstake} done={doUnstake.data ? `Unbonding: withdrawable from ${formatDate(doUnstake.data.result.withdrawableAt)}.` : undefined} />
        </form>
      </div>
      {p && p.unbonding > 0n ? (
        <div className="inline-form">
          <button type="button" className="secondary" disabled={doWithdraw.isPending} onClick={() => doWithdraw.mutate()}>
            Withdraw unbonded stake
          </button>
          <TxProgress write={doWithdraw} />
        </div>
      ) : null}
    </section>
  );
}
