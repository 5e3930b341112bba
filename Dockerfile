# opentracy in a container: the single executable that `npm run build` makes, on a small glibc
# base, as a non-root user. compose.yaml runs it beside ClickHouse; README "Self-host with Docker
# Compose" has the commands.

# The Bun that compiles the executable is also the runtime inside it: keep this at package.json's
# "bun" version (test/deploy/compose.test.ts checks that it is).
ARG BUN_VERSION=1.4.5

FROM oven/bun:${BUN_VERSION} AS build
WORKDIR /src
# Dependencies first, so a source change does not install them again. There is no bun.lock: bun
# reads npm's package-lock.json and installs exactly its versions (with --production, what
# `npm ci --omit=dev` installs), and --frozen-lockfile fails rather than drift.
COPY package.json package-lock.json ./
RUN bun install --frozen-lockfile --production
COPY tsconfig.json ./
COPY bin ./bin
COPY scripts/build.ts ./scripts/build.ts
COPY src ./src
# What `npm run build` runs; --version proves the executable starts.
RUN bun scripts/build.ts && ./dist/opentracy --version

# The executable links only glibc (libc, libm, libpthread, libdl: `ldd dist/opentracy`), and Bun
# carries its own CA certificates, so Debian's slim image needs nothing installed. It has a shell,
# which the health check below needs; a distroless image has none.
FROM debian:bookworm-slim
# OPENTRACY_HOME is a volume; the engine keeps it 0700 and its secrets files 0600, and refuses to
# start when they are readable by others. Docker fills a new named volume with this folder's
# owner and mode, so the non-root user owns it from the first start.
ENV OPENTRACY_HOME=/var/lib/opentracy
RUN groupadd --system --gid 10001 opentracy \
  && useradd --system --uid 10001 --gid opentracy --home-dir /var/lib/opentracy --no-create-home --shell /usr/sbin/nologin opentracy \
  && install -d -m 0700 -o opentracy -g opentracy /var/lib/opentracy
COPY --from=build /src/dist/opentracy /usr/local/bin/opentracy
USER opentracy:opentracy
WORKDIR /var/lib/opentracy
VOLUME ["/var/lib/opentracy"]
EXPOSE 8080
# No curl or wget here: BUN_BE_BUN=1 makes the executable behave as the `bun` it was built with,
# so `-e` runs a fetch of /health (answered to anyone, tokens or not). Plain HTTP on OPENTRACY_PORT
# or 8080: with TLS on, or another port set in config.json, adjust it or override in compose.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD BUN_BE_BUN=1 opentracy -e "fetch('http://127.0.0.1:' + (process.env.OPENTRACY_PORT || 8080) + '/health').then((r) => r.json()).then((b) => process.exit(b.status === 'ok' ? 0 : 1), () => process.exit(1))"
# `docker run IMAGE tokens create --name admin --admin` runs any CLI command; the default serves on
# every interface of the container, which the engine allows only once an engine token exists.
ENTRYPOINT ["opentracy"]
CMD ["serve", "--host", "0.0.0.0"]
