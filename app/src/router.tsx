// The screens. The Datanets list (the first screen) is in the main bundle; every other screen is
// a lazily loaded route with its own chunk, so heavy ones (the lineage graph, ModelFactory's charts,
// chat) cost nothing until opened. ModelFactory is its own route and chunk (routes/model-factory/).
import { createBrowserRouter, useRouteError } from "react-router";
import { Layout, RouteError } from "./components/Layout.tsx";
import { DatanetsScreen } from "./routes/datanets/DatanetsScreen.tsx";

function ErrorBoundary() {
  return <RouteError error={useRouteError()} />;
}

const page = (load: () => Promise<{ default: React.ComponentType }>) => async () => ({ Component: (await load()).default });

export function createRouter() {
  return createBrowserRouter([
    {
      element: <Layout />,
      errorElement: <ErrorBoundary />,
      hydrateFallbackElement: <p className="muted">Loading…</p>,
      children: [
        { index: true, element: <DatanetsScreen /> },
        { path: "datanets/new", lazy: page(() => import("./routes/datanets/CreateDatanet.tsx")) },
        { path: "datanets/:id", lazy: page(() => import("./routes/datanets/DatanetPage.tsx")) },
        { path: "contribute", lazy: page(() => import("./routes/contribute/ContributeScreen.tsx")) },
        { path: "contribute/:id", lazy: page(() => import("./routes/contribute/ContributeScreen.tsx")) },
        { path: "me", lazy: page(() => import("./routes/my-work/MyWorkScreen.tsx")) },
        { path: "validator", lazy: page(() => import("./routes/validator/ValidatorScreen.tsx")) },
        { path: "leaderboard", lazy: page(() => import("./routes/leaderboard/LeaderboardScreen.tsx")) },
        { path: "models", lazy: page(() => import("./routes/models/ModelsScreen.tsx")) },
        { path: "models/:id", lazy: page(() => import("./routes/models/ModelPage.tsx")) },
        { path: "factory/*", lazy: page(() => import("./routes/model-factory/ModelFactoryScreen.tsx")) },
        { path: "tx/:hash", lazy: page(() => import("./routes/tx/TransactionPage.tsx")) },
        { path: "*", lazy: page(() => import("./routes/NotFound.tsx")) },
      ],
    },
  ]);
}
