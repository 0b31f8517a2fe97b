import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The console page: root is console/web, output console/web/dist, which the backend serves at "/".
const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  base: "/",
  // Vite 8 transforms TS and JSX with oxc: Preact's automatic runtime (preact/jsx-runtime), no React.
  oxc: {
    jsx: { runtime: "automatic", importSource: "preact" },
  },
  build: {
    outDir: fileURLToPath(new URL("./dist", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 900,
  },
  server: {
    // `vite --config web/vite.config.ts` for development, with the backend on :8080.
    proxy: { "/api": "http://127.0.0.1:8080" },
  },
});
