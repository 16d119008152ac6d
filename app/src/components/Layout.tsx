// The frame around every screen: a skip link, the header with the navigation (ModelFactory has its
// own entry, loaded only when opened), the wallet, the banners, and the signing dialog.
import { Suspense } from "react";
import { NavLink, Outlet, useNavigation } from "react-router";
import { GovernanceBanner, NetworkBanner, ServiceBanner } from "./Banners.tsx";
import { SigningDialog } from "./SigningDialog.tsx";
import { WalletMenu } from "./WalletMenu.tsx";

export const NAV = [
  { to: "/", label: "Datanets", end: true },
  { to: "/contribute", label: "Contribute" },
  { to: "/me", label: "My work" },
  { to: "/validator", label: "Validator" },
  { to: "/leaderboard", label: "Leaderboard" },
  { to: "/models", label: "Models" },
  { to: "/factory", label: "ModelFactory" },
] as const;

export function Layout() {
  const navigation = useNavigation();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="brand-row">
          <NavLink to="/" className="brand" end>
            OpenLedger
          </NavLink>
          <WalletMenu />
        </div>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={"end" in item ? item.end : false}>
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <NetworkBanner />
      <ServiceBanner />
      <GovernanceBanner />
      <main id="main" tabIndex={-1} aria-busy={navigation.state === "loading"}>
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <Outlet />
        </Suspense>
      </main>
      <SigningDialog />
    </>
  );
}

export function RouteError({ error }: { error: unknown }) {
  return (
    <div className="notice notice-error" role="alert">
      <strong>This page failed to load</strong>
      <p>{error instanceof Error ? error.message : String(error)}</p>
    </div>
  );
}
