# syntax=docker/dockerfile:1.7
# Astra server: HTTP API and the editor's bundle. Build from the repository root:
#   docker build -f infra/docker/server.Dockerfile -t astra-server .

# --- deps: every workspace's production dependencies, nothing else ---------------------------------
FROM node:20.20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY workflows/package.json workflows/
COPY activities/package.json activities/
COPY server/package.json server/
COPY editor/package.json editor/
COPY notebook-ext/package.json notebook-ext/
COPY infra/package.json infra/
COPY examples/package.json examples/
COPY bench/package.json bench/
# Then drop what an image never runs: llama.cpp's GPU builds (models run on CPU here; gpu:false) and
# Chroma's native server bindings (the image talks to a Chroma server over HTTP): 1.7 GB -> about 0.7 GB.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/@node-llama-cpp/*-cuda* node_modules/@node-llama-cpp/*-vulkan* node_modules/chromadb-js-bindings-*

# --- build: the full install (dev tools included) builds the editor bundle ------------------------
FROM deps AS build
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY workflows workflows
COPY editor editor
COPY examples examples
RUN npm run build:editor

# --- final: production modules, sources (run by tsx, as npm start runs them) and the editor bundle --
FROM node:20.20-bookworm-slim AS server
ENV NODE_ENV=production \
    ASTRA_HOST=0.0.0.0 \
    ASTRA_PORT=3210 \
    ASTRA_DATA_DIR=/var/lib/astra \
    ASTRA_MODELS_DIR=/models
WORKDIR /app
# The deps stage's /app: manifests plus root and nested (per-workspace) production node_modules.
COPY --from=deps --chown=root:root /app /app
COPY --chown=root:root tsconfig.json ./
COPY --chown=root:root workflows workflows
COPY --chown=root:root activities activities
COPY --chown=root:root server server
COPY --chown=root:root infra/package.json infra/package.json
COPY --chown=root:root infra/src infra/src
COPY --chown=root:root examples examples
COPY --from=build --chown=root:root /app/editor/dist editor/dist
COPY --chown=root:root editor/package.json editor/package.json
# Code stays root-owned and read-only to the process; only its data folder is writable.
RUN groupadd --system --gid 10001 astra \
 && useradd --system --uid 10001 --gid astra --home-dir /var/lib/astra --shell /usr/sbin/nologin astra \
 && mkdir -p /var/lib/astra /models && chown astra:astra /var/lib/astra
USER 10001:10001
EXPOSE 3210
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.ASTRA_PORT||3210)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--import", "tsx", "server/src/main.ts"]
