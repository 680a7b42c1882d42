# syntax=docker/dockerfile:1
# Not built in CI (no Docker engine there); kept conventional so `docker build .` works where one runs.

# Dependencies are installed (and the SQLite binding compiled) once, here: the TypeScript is compiled, then the
# dev dependencies are pruned and what is left is copied into the runtime stage as it is.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs ./scripts/
COPY bin ./bin
COPY src ./src
COPY commands ./commands
COPY adapters ./adapters
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# ffmpeg (Extend: frames and joins) is Debian's: it parses videos users post, so it should be a build that gets
# security updates (the npm package's static binary, which the tests run, dates from 2018). The bot confines
# it anyway: every input is read as MP4/QuickTime from one file only (src/video/ffmpeg.ts, videoInput).
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*
ENV FFMPEG_PATH=/usr/bin/ffmpeg
# Fewer glibc malloc arenas: with V8's and libuv's threads the default (8 per core) fragments memory; measured
# by bench/discord-burst with 1,000 jobs in flight (see README, Benchmarks).
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# 0700: the SQLite file holds quotas, job records and settings; nobody but the bot's user reads it.
RUN mkdir -p /app/data && chown -R node:node /app/data && chmod 700 /app/data
USER node
VOLUME ["/app/data"]
# GET /healthz (ready when the store answers and every platform is connected), asked by a small script since
# slim images have no curl: on SLACK_PORT in Slack HTTP mode, otherwise on METRICS_PORT (set it for Discord
# only or Socket Mode; without either there is no port to ask and the check passes). See docs/operations.md.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["node", "dist/bin/healthcheck.js"]
# A 1 MB young generation: the bot allocates many short-lived objects per job; larger semi-spaces only hold
# more garbage between scavenges (same benchmark; event-loop lag p99 stays ~2 ms). The old generation may grow
# 30 % past what the last full collection kept before the next one, not V8's own factor (up to 4x): RSS at
# 1,000 jobs in flight 177 -> 144 MB, CPU per job unchanged (bench/ANALYSIS.md). Keep in step with `npm start`.
CMD ["node", "--max-semi-space-size=1", "--heap-growing-percent=30", "dist/bin/main.js"]
