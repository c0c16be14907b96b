/** The web console: built into dist/console and served by the API at /console (same origin). */
/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/console/',
  plugins: [react()],
  // `npx vite --config console/vite.config.ts`: hot reload, the API calls proxied to a running API.
  server: { proxy: { '/v1': process.env.JE_API_URL ?? 'http://127.0.0.1:3000' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    manifest: true,
    chunkSizeWarningLimit: 2000,
  },
  test: {
    environment: 'jsdom',
    // ELK's first layout and jsdom start-up are slow on a busy machine.
    testTimeout: 60_000,
    include: ['src/**/*.test.{ts,tsx}'],
    root,
  },
});
