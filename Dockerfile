# Image for the api and worker services (see docker-compose.yml).

# --- build: install all dependencies, compile TypeScript to dist/ ---
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npx tsc -p tsconfig.build.json \
 && npm prune --omit=dev

# --- runtime: production dependencies and compiled code only ---
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
# The compose file chooses the process: node dist/api/main.js or node dist/worker/main.js
CMD ["node", "dist/api/main.js"]
