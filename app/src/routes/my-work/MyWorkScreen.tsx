// Screen 3: a contributor's work: every submission with its status and tally, the OPEN credited
// and a claim button, and attribution earned per model with its claims.
import { claimRewards } from "@openledger/sdk";
import { Link } from "react-router";
import { Amount } from "../../components/Amount.tsx";
import { ContributionList } from "../../components/ContributionList.tsx";
import { ErrorNotice } from "../../components/ErrorNotice.tsx";
import { RequireWallet } from "../../components/RequireWallet.tsx";
import { TxProgress } from "../../components/TxProgress.tsx";
import { useOpenBalance, useRewardsAccount } from "../../hooks/chain.ts";
import { useProtocolWrite } from "../../hooks/useWrite.ts";
import { useWallet } from "../../hooks/wallet.ts";
import { formatBytes, formatCount, formatOpen } from "../../lib/format.ts";
import { AttributionTable } from "./AttributionTable.tsx";

export default function MyWorkScreen() {
  const wallet = useWallet();
  const account = useRewardsAccount(wallet.address);
  const balance = useOpenBalance(wallet.address);
  const claim = useProtocolWrite(async (_: void, { protocol, wallet: client }) => claimRewards(client, { contracts: protocol.contracts }));
  return (
    <section aria-labelledby="me-title">
      <h1 id="me-title">My work</h1>
      <RequireWallet why="see your submissions and rewards">
        {wallet.address ? (
          <>
            <section className="card" aria-labelledby="rewards-title">
              <h2 id="rewards-title">Rewards</h2>
              <ErrorNotice error={account.error} />
              <dl className="facts">
                <div>
                  <dt>Claimable</dt>
                  <dd data-testid="claimable">
                    <Amount wei={account.data?.claimable} />
                  </dd>
                </div>
                <div>
                  <dt>Wallet balance</dt>
                  <dd data-testid="balance">
                    <Amount wei={balance.data} />
                  </dd>
                </div>
                <div>
                  <dt>Accepted work</dt>
                  <dd>{account.data ? `${formatCount(account.data.acceptedCount)} files, ${formatBytes(account.data.acceptedBytes)}` : "—"}</dd>
                </div>
              </dl>
              <button type="button" disabled={!account.data?.claimable || claim.isPending || !wallet.ready} onClick={() => claim.mutate()}>
                Claim {account.data?.claimable ? formatOpen(account.data.claimable) : ""}
              </button>
              <TxProgress write={claim} done={claim.data ? `Claimed ${formatOpen(claim.data.result.amount)} to your wallet.` : undefined} />
            </section>
            <section className="card" aria-labelledby="attribution-title">
              <h2 id="attribution-title">Attribution from models</h2>
              <p className="muted small">When a model trained on your accepted files is paid for, part of the fee is yours, in proportion to your files' weight in its dataset.</p>
              <AttributionTable contributor={wallet.address} />
            </section>
            <section aria-labelledby="subs-title">
              <h2 id="subs-title">Submissions</h2>
              <p className="muted small">
                Pending files are reviewed by validators; see each Datanet's page for its windows. <Link to="/contribute">Contribute more</Link>.
              </p>
              <ContributionList filter={{ contributor: wallet.address }} label="Your submissions" />
            </section>
          </>
        ) : null}
      </RequireWallet>
    </section>
  );
}
