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
