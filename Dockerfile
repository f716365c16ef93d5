# The hono-api service image: a multi-stage build that type-checks and bundles the service into one
# file, then copies only that file onto a distroless Node.js runtime (no shell, no package manager),
# running as the nonroot user 65532.
#
#   docker build -t hono-api:dev .
#   docker run --rm -p 8080:8080 --read-only --tmpfs /tmp hono-api:dev
#
# Bases are pinned by digest (Dependabot bumps them). Air-gapped builds point the two ARGs at
# their own mirrors:  --build-arg BUILD_IMAGE=… --build-arg RUNTIME_IMAGE=…
# The service handles SIGTERM itself, so `--init` is not needed (it does no harm).

# Which bases to build on: by default the pinned public images below; override either with a
# mirror (or the local stand-ins the image test builds).
ARG BUILD_IMAGE=public-build-base
ARG RUNTIME_IMAGE=public-runtime-base

# The public bases as literal FROM lines, so Dependabot can bump their digests. An overridden base
# leaves its stage unused, and unused stages are never pulled (BuildKit, buildah).
# node:24-bookworm-slim: Node 24, the active LTS (Node 20 reached end of life in April 2026), on
# Debian 12, like the runtime.
FROM node:24-bookworm-slim@sha256:a9f5f7c91a432850b2a8a7797adf5eadb6c733ceed61167806cee7ea7fbc29df AS public-build-base
# gcr.io/distroless/nodejs24-debian12:nonroot
FROM gcr.io/distroless/nodejs24-debian12:nonroot@sha256:14d42e2511532589a7c7e01a753667a74fcc96266e137e8125006b87b0c32d0a AS public-runtime-base

# checkov:skip=CKV_DOCKER_7:BUILD_IMAGE and RUNTIME_IMAGE default to the stages above, pinned by digest; an override names its own mirror
FROM ${BUILD_IMAGE} AS build
WORKDIR /app
ENV npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
# Only the runtime dependencies and the build tools are installed (scripts/image-deps.mjs prunes the
# manifest and the lockfile): the ~1 GB infrastructure toolchain never enters the build.
COPY package.json package-lock.json ./
COPY scripts/image-deps.mjs scripts/
# Behind a TLS-intercepting proxy, hand npm the proxy's CA bundle as a build secret (mounted for
# this step only, never stored in a layer):  --secret id=npm_ca,src=/etc/ssl/certs/ca-certificates.crt
# Without the secret the mount is absent and npm uses Node's own CA store.
RUN --mount=type=secret,id=npm_ca \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    node scripts/image-deps.mjs && npm ci --ignore-scripts
COPY tsconfig.json tsconfig.service.json ./
COPY scripts/build.ts scripts/
COPY src src
ARG GIT_COMMIT
ARG BUILD_TIME
RUN npx tsc -p tsconfig.service.json && GIT_COMMIT="${GIT_COMMIT}" BUILD_TIME="${BUILD_TIME}" npx tsx scripts/build.ts

FROM ${RUNTIME_IMAGE} AS runtime
ARG VERSION
ARG GIT_COMMIT
ARG BUILD_TIME
ARG SOURCE=https://github.com/example/hono-eks-platform
LABEL org.opencontainers.image.title="hono-api" \
      org.opencontainers.image.description="The hono-api service" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${GIT_COMMIT}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.created="${BUILD_TIME}" \
      org.opencontainers.image.licenses="MIT"
WORKDIR /app
# Owned by root (no --chown), written by root in the build stage with mode 644/755: the process
# (65532) can read and run the bundle but never change it, even where the root filesystem is not
# mounted read-only.
COPY --from=build /app/dist/ /app/
USER 65532:65532
ENV NODE_ENV=production PORT=8080 METRICS_PORT=9464 HOST=0.0.0.0
# The API, and /metrics and /config (only Prometheus should reach that one).
EXPOSE 8080 9464
# checkov:skip=CKV_DOCKER_2:Kubernetes ignores HEALTHCHECK; the chart's startup, liveness and readiness probes call /startupz, /livez and /readyz
# The distroless entrypoint is node itself; the bundle needs nothing else. The root filesystem can
# be read-only: the service writes nothing but, at most, /tmp.
CMD ["--enable-source-maps", "/app/server.mjs"]
