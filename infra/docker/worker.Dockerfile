# syntax=docker/dockerfile:1.7
# Astra worker: runs every workflow and activity on its task queue; scale it out by running more.
#   docker build -f infra/docker/worker.Dockerfile -t astra-worker .

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

# --- bundle: the workflow code bundled once here, not at every worker start ------------------------
FROM deps AS bundle
COPY tsconfig.json ./
COPY workflows workflows
RUN node --import tsx workflows/scripts/check-bundle.ts /app/dist/workflow-bundle.js

# --- final: production modules and the sources the worker runs (tsx, as npm start runs them) -------
FROM node:20.20-bookworm-slim AS worker
ENV NODE_ENV=production \
    ASTRA_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    ASTRA_MODELS_DIR=/models \
    ASTRA_WORKER_METRICS_PORT=9464 \
    ASTRA_WORKER_METRICS_HOST=0.0.0.0
WORKDIR /app
# The deps stage's /app: manifests plus root and nested (per-workspace) production node_modules.
COPY --from=deps --chown=root:root /app /app
COPY --chown=root:root tsconfig.json ./
COPY --chown=root:root workflows workflows
COPY --chown=root:root activities activities
COPY --from=bundle --chown=root:root /app/dist/workflow-bundle.js dist/workflow-bundle.js
RUN groupadd --system --gid 10001 astra \
 && useradd --system --uid 10001 --gid astra --home-dir /var/lib/astra --shell /usr/sbin/nologin astra \
 && mkdir -p /var/lib/astra /models && chown astra:astra /var/lib/astra
USER 10001:10001
EXPOSE 9464
# The metrics listener answers once the worker has connected to Temporal and registered its workflows.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.ASTRA_WORKER_METRICS_PORT||9464)+'/metrics',{headers:{authorization:'Bearer '+(process.env.ASTRA_METRICS_TOKEN||'')}}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--import", "tsx", "activities/src/worker.ts"]
