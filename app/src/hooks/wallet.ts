// The connected wallet as every screen needs it: the address, whether it is on this app's chain,
// and whether it is the development account.
import { useAccount } from "wagmi";
import { DEV_CONNECTOR_ID } from "../connectors/dev-account.ts";
import { useProtocol } from "./protocol.tsx";

export function useWallet() {
  const { address, chainId, status, connector } = useAccount();
  const { config } = useProtocol();
  const connected = status === "connected" && !!address;
  return {
    address: connected ? address : undefined,
    connected,
    status,
    chainId,
    /** Connected, but to another chain than the app's. */
    wrongNetwork: connected && chainId !== config.chainId,
    /** Connected to the app's chain: writes may go ahead. */
    ready: connected && chainId === config.chainId,
    connector,
    isDevAccount: connector?.id === DEV_CONNECTOR_ID,
  };
}
