import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/*
 * The console's build: `npm run build` runs it after the server's, writing dist/console, which apps/api serves at
 * /console. No framework plugin: Vite compiles TSX itself (JSX runtime "automatic", from tsconfig.json); the React
 * plugin would only add hot reloading, which a production build does not use.
 */
const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/console/',
  publicDir: 'public',
  build: {
    outDir: fileURLToPath(new URL('../../../dist/console', import.meta.url)),
    emptyOutDir: true,
    // The console's Content-Security-Policy allows no inline script: keep every script an external file.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      // react-router marks its modules "use client" for React Server Components; a browser bundle has no use for it.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: { port: 5173, strictPort: true, proxy: { '/v1': 'http://127.0.0.1:8080' } },
});
