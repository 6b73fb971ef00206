# syntax=docker/dockerfile:1
# One image for every role (ROLE=api|gateway|worker). Production builds on the official
# Node image; tests here pass --build-arg BASE=<a local Node 20 base> (no registry reachable).
ARG BASE=node:20-bookworm-slim

# --- manifests: only package.json files and the lockfile, so `npm ci` layers stay cached
# until a dependency changes (source edits do not invalidate them).
FROM ${BASE} AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json -delete \
 && find . -depth -type d -empty -delete

# --- prod-deps: production dependencies of the server only (not bench, infra or the web
# app's toolchain). better-sqlite3 compiles here, so this stage alone carries a compiler.
FROM ${BASE} AS prod-deps
# node-gyp builds against the headers the Node image ships, never a download.
ENV npm_config_nodedir=/usr/local
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=manifests /src/ ./
RUN npm ci --omit=dev --workspace packages/server --workspace packages/protocol --no-audit --no-fund \
 && npm cache clean --force

# --- build: the root toolchain (esbuild) and the web app's, not bench's or infra's. No install
# scripts: nothing native runs here.
FROM ${BASE} AS build
WORKDIR /app
COPY --from=manifests /src/ ./
RUN npm ci --ignore-scripts --no-audit --no-fund --include-workspace-root --workspace packages/server \
      $(if [ -f apps/web/package.json ]; then echo --workspace apps/web; fi)
COPY . .
# Amazon's RDS / DocumentDB CA bundle, for TLS to the managed database (deploy.yml passes the
# URL; local builds leave it out). The tasks point NODE_EXTRA_CA_CERTS at it.
ARG RDS_CA_BUNDLE_URL=
RUN if [ -n "$RDS_CA_BUNDLE_URL" ]; then \
      mkdir -p dist && node -e "fetch(process.argv[1]).then(r=>{if(!r.ok)throw new Error(r.status);return r.text()}).then(t=>require('fs').writeFileSync('dist/rds-ca.pem',t))" "$RDS_CA_BUNDLE_URL"; \
    fi
# The web app is built and served when the repository has one (apps/web with a build script).
RUN node scripts/build-server.mjs dist/cli.js \
 && mkdir -p dist/web \
 && if [ -f apps/web/package.json ]; then \
      npm run build --workspace apps/web --if-present \
      && if [ -d apps/web/dist ]; then cp -R apps/web/dist/. dist/web/; fi; \
    fi

# --- runtime: Node, the compiled server, its production dependencies, the web app.
FROM ${BASE} AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    DATA_DIR=/app/data \
    WEB_DIR=/app/dist/web
WORKDIR /app
# A fixed numeric user, created without useradd (not every base image ships it).
RUN echo 'chatchat:x:10001:10001:ChatChat:/app:/usr/sbin/nologin' >> /etc/passwd \
 && echo 'chatchat:x:10001:' >> /etc/group \
 && mkdir -p /app/data \
 && chown 10001:10001 /app/data
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY packages/server/package.json ./package.json
USER 10001:10001
EXPOSE 8080
# The app drains on SIGTERM (stop accepting, close sockets with 4503, finish in-flight work).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "--enable-source-maps", "dist/cli.js"]
CMD ["serve"]
