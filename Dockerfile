# PaaS-Shack: one image for every service; the command picks which (`start --service dns`).

# Build stage: dev dependencies, the TypeScript compile, then production dependencies only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source where no prebuilt binary fits.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

# Run stage: production files, a non-root user, and only the capability to bind ports below 1024.
FROM node:20-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends libcap2-bin \
  && setcap cap_net_bind_service=+ep "$(readlink -f "$(command -v node)")" \
  && apt-get purge -y libcap2-bin \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /data \
  && chown node:node /data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/gateway/supergraph.graphql ./gateway/supergraph.graphql
USER node
ENV NODE_ENV=production \
  PAAS_DATA_DIR=/data \
  PAAS_GRAPHQL_HOST=0.0.0.0
VOLUME ["/data"]
EXPOSE 53/udp 53/tcp 80 514/udp 514/tcp 4000 4001 4002 4003
ENTRYPOINT ["node", "dist/bin/paas-shack.js"]
CMD ["start"]
