// Vite builds the browser app. The server (server/) serves the build and /config.json; in
// development it hosts Vite's middleware, so no port or URL is configured here.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [react()],
  build: {
    target: "es2022",
    sourcemap: false,
    // The first screen must stay small: heavy screens are lazy routes with their own chunks.
    chunkSizeWarningLimit: 700,
  },
  server: { fs: { allow: [".."] } },
});
