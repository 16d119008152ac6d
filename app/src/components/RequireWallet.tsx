// Screens that act for an account show this until a wallet is connected to the right chain.
import type { ReactNode } from "react";
import { useWallet } from "../hooks/wallet.ts";

export function RequireWallet({ children, why }: { children: ReactNode; why: string }) {
  const wallet = useWallet();
  if (!wallet.connected) return <p className="notice">Connect a wallet (top right) to {why}.</p>;
  if (wallet.wrongNetwork) return <p className="notice">Switch your wallet to this app's network (see the banner above) to {why}.</p>;
  return <>{children}</>;
}
