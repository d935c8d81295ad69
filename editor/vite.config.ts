// The editor bundle the server serves (index.html) plus the canvas benchmark page (bench.html),
// built together so both canvases share the same React and @xyflow/react chunks.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  // No React plugin: esbuild compiles TSX with the automatic runtime, and production builds need no fast refresh.
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      input: { index: here('index.html'), bench: here('bench.html') },
      // Libraries in one long-cached chunk; the app's own modules are split by Rollup between the two entries.
      // React Flow's "use client" and a zod comment Rollup cannot place are harmless: keep the build output quiet.
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE' || warning.code === 'INVALID_ANNOTATION') return;
        warn(warning);
      },
      output: { manualChunks: (id) => (id.includes('/node_modules/') ? 'vendor' : undefined) },
    },
  },
});
