// Screen 4: the validator's desk: stake, the work queue with previews and commits, reveals with a
// countdown, finalisation, validator rewards, and the vote files.
import { RequireWallet } from "../../components/RequireWallet.tsx";
import { useWallet } from "../../hooks/wallet.ts";
import { FinalisePanel } from "./FinalisePanel.tsx";
import { RevealPanel } from "./RevealPanel.tsx";
import { StakePanel } from "./StakePanel.tsx";
import { WorkQueue } from "./WorkQueue.tsx";

export default function ValidatorScreen() {
  const wallet = useWallet();
  return (
    <section aria-labelledby="validator-title">
      <h1 id="validator-title">Validator</h1>
      <p className="lede">Stake OPEN, review pending files, vote by commit and reveal, and earn for voting with the outcome. A vote committed and not revealed is slashed.</p>
      <RequireWallet why="validate">
        {wallet.address ? (
          <>
            <StakePanel validator={wallet.address} />
            <WorkQueue validator={wallet.address} />
            <RevealPanel validator={wallet.address} />
            <FinalisePanel />
          </>
        ) : null}
      </RequireWallet>
    </section>
  );
}
