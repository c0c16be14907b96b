# syntax=docker/dockerfile:1
# One image definition for Journey Engine, with a target per process (see docker-compose.yml and
# docs/operations.md):
#
#   docker build --target api    -t journey-engine-api .      # the API; also runs the migrations:
#                                                              #   node dist/store/migrate-main.js
#   docker build --target worker -t journey-engine-worker .   # the Temporal worker
#
# Every COPY source below must exist in the repository; test/deploy/compose.test.ts checks that,
# and that every folder tsconfig.build.json compiles (or the compiled code imports) is copied.

# --- build: all dependencies, tsc to dist/, the prebuilt workflow bundle, the web console (dist/console), then drop dev deps ---
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY config ./config
COPY engine ./engine
COPY core ./core
COPY workflows ./workflows
COPY activities ./activities
COPY observability ./observability
COPY store ./store
COPY migrations ./migrations
COPY worker ./worker
COPY api ./api
COPY examples ./examples
COPY scripts/bundle-workflows.ts ./scripts/bundle-workflows.ts
COPY scripts/lib/workflow-bundle.ts ./scripts/lib/workflow-bundle.ts
COPY console ./console
RUN npx tsc -p tsconfig.build.json \
 && node --import @swc-node/register/esm-register scripts/bundle-workflows.ts \
 && test -f dist/workflow-bundle.js \
 && node node_modules/vite/bin/vite.js build --config console/vite.config.ts \
 && test -f dist/console/.vite/manifest.json \
 && npm prune --omit=dev

# --- runtime: production dependencies and compiled code only, run as the unprivileged node user ---
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
STOPSIGNAL SIGTERM

# --- worker: polls the task queue; loads dist/workflow-bundle.js instead of bundling at start ---
FROM runtime AS worker
# Metrics endpoint (JE_WORKER_METRICS_PORT); scraped inside the network, never published.
EXPOSE 9464
CMD ["node", "dist/worker/main.js"]

# --- api: the HTTP API (the default target). Listens on all interfaces inside the container. ---
FROM runtime AS api
ENV HOST=0.0.0.0 PORT=3000
EXPOSE 3000
CMD ["node", "dist/api/main.js"]
