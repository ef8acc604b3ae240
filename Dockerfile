# One image for every Tollway component (migrate, ingest, gateway, control); the compose file picks the
# command. The official Bun image is Debian-based; the ingest loads libzmq5 through bun:ffi.
FROM oven/bun:1.3.14 AS app

RUN apt-get update \
 && apt-get install -y --no-install-recommends libzmq5 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json bun.lock bunfig.toml tsconfig.json ./
# Runtime dependencies only: dashboards are generated at build time in the repository, tests do not ship.
RUN bun install --frozen-lockfile --production

COPY core ./core
COPY ingest ./ingest
COPY gateway ./gateway
COPY control ./control
COPY sql ./sql
COPY data ./data

ENV NODE_ENV=production \
    LOG_LEVEL=info \
    DATA_DIR=/app/.data
RUN mkdir -p /app/.data && chown bun:bun /app/.data
USER bun

# Without a command the launcher starts every component (embedded database when DATABASE_URL is unset).
CMD ["bun", "run", "core/cli/start.ts"]
