import { fileURLToPath } from 'node:url';
import tailwindcss from '@tailwindcss/vite';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

const gateway = 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [vue(), tailwindcss()],
  resolve: {
    alias: {
      // Type-only imports of the server contract; keep in sync with `paths` in tsconfig.json.
      '@contract': fileURLToPath(
        new URL('../deliverer/src/events/events.contract.ts', import.meta.url),
      ),
    },
  },
  build: {
    // The NestJS server serves client/dist at /.
    outDir: 'dist',
    emptyOutDir: true,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: {
      '/socket.io': { target: gateway, ws: true },
      '/healthz': gateway,
      '/readyz': gateway,
    },
  },
  test: {
    environment: 'jsdom',
    // One jsdom per worker rather than per file: setting it up took 15 of the suite's 25 s. Tests
    // therefore must not rely on a fresh window; each builds its own store, storage and socket.
    pool: 'threads',
    isolate: false,
    include: ['test/**/*.spec.ts', 'src/**/*.spec.ts'],
    restoreMocks: true,
  },
});
