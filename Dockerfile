# oosnet node. Build: docker build -t oosnet .
# Run:   docker run -e OOS_PASSPHRASE=… -v oos-data:/data -p 4710:4710 oosnet
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# the `node` devDependency is not needed in the image (its Node is the base image's)
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-slim
# NODE_OPTIONS: the young-generation size bin/oos.js sets for itself (see its header); its
# other V8 flag, --single-threaded-gc, is not allowed in NODE_OPTIONS: the ENTRYPOINT passes it
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=32 \
    OOS_HOME=/data \
    OOS_LISTEN=/ip4/0.0.0.0/tcp/4710 \
    OOS_API=127.0.0.1:4711
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY protocol ./protocol
COPY examples ./examples
# a non-root user owns the data volume; keys are created there with mode 0600
RUN groupadd --system oos && useradd --system --gid oos --home-dir /data oos \
 && mkdir -p /data && chown oos:oos /data && chmod 700 /data
USER oos
VOLUME ["/data"]
# libp2p (TCP); the API stays on loopback inside the container, by design
EXPOSE 4710
# the API answers only on loopback with the token in /data/api.json: `oos status` uses both
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "bin/oos.js", "status", "--json"]
# `oos init` runs once (when /data holds no home), then the node runs in the foreground
ENTRYPOINT ["sh", "-c", "[ -f /data/config.json ] || node bin/oos.js init --name \"${OOS_NAME:-oosnet node}\"; exec node --single-threaded-gc bin/oos.js start --listen \"$OOS_LISTEN\" --api \"$OOS_API\" ${OOS_BOOTSTRAP:+--bootstrap \"$OOS_BOOTSTRAP\"} ${OOS_MDNS:+--mdns}"]
