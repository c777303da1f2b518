import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into the package's dist-web/, which `baton serve` serves at `/` (src/server/dashboard.ts).
// Nothing is loaded from elsewhere at run time: every dependency is bundled.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../dist-web',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // `npm run dev:web` with `baton serve` on 8080: the API is proxied, so the page stays same-origin.
    proxy: { '/v1': 'http://127.0.0.1:8080', '/openapi.json': 'http://127.0.0.1:8080' },
  },
});
