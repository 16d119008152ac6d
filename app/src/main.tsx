// Start: ask the server for its config (chain, deployment, service URLs), then render.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { RouterProvider } from "react-router/dom";
import { WagmiProvider } from "wagmi";
import { absoluteUrl, parseAppConfig } from "./config/app-config.ts";
import { datanetsQuery } from "./hooks/indexer.ts";
import { createWagmiConfig } from "./config/wagmi.ts";
import { ProtocolProvider } from "./hooks/protocol.tsx";
import { createRouter } from "./router.tsx";
import "./styles.css";

const root = createRoot(document.getElementById("root")!);

async function start(): Promise<void> {
  let config;
  try {
    const res = await fetch("/config.json");
    const body = (await res.json()) as { error?: { message?: string } };
    if (!res.ok) throw new Error(body.error?.message ?? `the server answered ${res.status}`);
    config = parseAppConfig(body);
  } catch (error) {
    root.render(
      <main className="startup-error" role="alert">
        <h1>OpenLedger cannot start</h1>
        <p>The app server did not give its configuration: {(error as Error).message}</p>
        <p>Start the local stack (`npm start`) and reload this page.</p>
      </main>,
    );
    return;
  }
  const wagmiConfig = createWagmiConfig(config, location.origin);
  const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: 3_000, refetchOnWindowFocus: true } } });
  // The first screen's list is asked for while React renders.
  if (location.pathname === "/") void queryClient.prefetchQuery(datanetsQuery(absoluteUrl(config.services.indexer, location.origin)));
  root.render(
    <StrictMode>
      <WagmiProvider config={wagmiConfig}>
        <QueryClientProvider client={queryClient}>
          <ProtocolProvider config={config} origin={location.origin}>
            <RouterProvider router={createRouter()} />
          </ProtocolProvider>
        </QueryClientProvider>
      </WagmiProvider>
    </StrictMode>,
  );
}

void start();
