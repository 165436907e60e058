import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev -w @opencvm/web` serves the app with hot reload and sends API calls to a running
// `cvm serve` on port 8080; `npm run build` writes dist/, which the server serves at `/`.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: { proxy: { '/v1': 'http://localhost:8080', '/unsubscribe': 'http://localhost:8080' } },
});
