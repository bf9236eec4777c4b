# oosnet node. Build: docker build -t oosnet .
# Run:   docker run -e OOS_NAME=Ledgerline -e OOS_PASSPHRASE_FILE=/run/secrets/oos_passphrase \
#          -v ./ledgerline.passphrase:/run/secrets/oos_passphrase:ro -v oos-data:/data -p 4710:4710 oosnet
# Other commands: docker run … oosnet status (the ENTRYPOINT is `oos`, the CMD `start --init`);
# in a running container: docker exec <container> oos id (README, "Docker").
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# the `node` package (an optional dependency: Node 24 for an older Node) is not needed in the image, whose Node is 24.
# --ignore-scripts: the package's own `prepare` (the build, below) needs TypeScript and the
# sources; classic-level's install script only looks for its prebuilt binary, which it ships.
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund --ignore-scripts

# JavaScript emitted ahead of time (npm run build → dist/; bin/oos.js runs it while it is fresh)
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --omit=optional --no-audit --no-fund --ignore-scripts
COPY bin ./bin
COPY src ./src
COPY protocol ./protocol
RUN npm run build

FROM node:24-slim
# NODE_OPTIONS: the young-generation size bin/oos.js sets for itself (see its header); its
# other V8 flag, --single-threaded-gc, is not allowed in NODE_OPTIONS: the ENTRYPOINT passes it.
# `oos start` reads OOS_LISTEN, OOS_ANNOUNCE, OOS_BOOTSTRAP (comma-separated), OOS_API, OOS_MDNS,
# OOS_LOG_FORMAT and OOS_NAME as its flags (a flag given wins; then <home>/config.json), and
# every command the passphrase from OOS_PASSPHRASE_FILE (a Docker secret; one per org).
# MALLOC_ARENA_MAX=2: glibc's malloc arenas, as bin/launch.js sets them for `oos` (it says why).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=32 \
    MALLOC_ARENA_MAX=2 \
    OOS_HOME=/data \
    OOS_LISTEN=/ip4/0.0.0.0/tcp/4710 \
    OOS_API=127.0.0.1:4711 \
    OOS_PASSPHRASE_FILE=/run/secrets/oos_passphrase
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY protocol ./protocol
COPY examples ./examples
COPY --from=build /app/dist ./dist
# src/ and dist/ come from the same sources; COPY may date src/'s folders at the copy, after
# the build's stamp, which would make bin/oos.js take dist/ for stale (bin/dist.js) and run src/
RUN touch /app/dist/.built
# a non-root user (uid 10001, to own a secret file: README "Docker") owns the data volume;
# keys are created there with mode 0600. `oos` on the PATH for `docker exec … oos status`.
RUN groupadd --system --gid 10001 oos && useradd --system --uid 10001 --gid oos --home-dir /data oos \
 && mkdir -p /data && chown oos:oos /data && chmod 700 /data \
 && ln -s /app/bin/oos.js /usr/local/bin/oos
USER oos
VOLUME ["/data"]
# libp2p (TCP); the API stays on loopback inside the container, by design
EXPOSE 4710
# the API answers only on loopback with the token in /data/api.json: `oos status` uses both
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "bin/oos.js", "status", "--json"]
# exec form: the container's arguments are an oos command (`docker run oosnet status`), the
# default runs the node in the foreground as PID 1, so `docker stop`'s SIGTERM reaches it and
# it stops gracefully. `start --init` creates the home on the first run (OOS_NAME, the passphrase secret);
# if that fails, nothing starts and the container exits 1.
ENTRYPOINT ["node", "--single-threaded-gc", "bin/oos.js"]
CMD ["start", "--init"]
