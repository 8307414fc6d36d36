# syntax=docker/dockerfile:1
#
# misc images: one build stage, then one minimal image per command, each `FROM scratch` with
# only the binary, the shared libraries it loads, CA certificates, /etc/passwd and /etc/group
# (user misc, 65532), /etc/nsswitch.conf and /tmp (scripts/runtime-fileset.sh makes that tree).
# No shell, no package manager, no compiler in the images. `misc` is the last stage, so a
# `docker build` without --target builds misc-server.
#
#   docker build --target misc       -t misc-server .
#   docker build --target restaurant -t misc-restaurant .
#   docker build --target rest       -t misc-rest .
#   docker build --target migrate    -t misc-migrate .
#
# docker-compose.yml builds and runs them with PostgreSQL 15.

# ---- build: Debian 12 with the -dev packages, release preset --------------------------------
FROM debian:12 AS build

# The Debian packages come from APT_PACKAGES in scripts/install-deps.sh (the one list), minus
# what only tests, style checks, deployment checks and the buf CLI need (PostgreSQL server,
# promtool, kubectl, python3-yaml, Node.js, clang-format/-tidy): building needs none of them,
# and `npm ci` would need the network.
COPY scripts/install-deps.sh /tmp/install-deps.sh
RUN set -eu; \
    packages=$(sed -n '/^APT_PACKAGES=(/,/^)/{s/#.*//;s/^APT_PACKAGES=(//;s/)//;p}' \
      /tmp/install-deps.sh | tr -s ' \n' '  '); \
    for skip in postgresql-15 postgresql-client-15 prometheus nodejs npm clang-format clang-tidy \
                kubernetes-client python3-yaml; do \
      packages=$(printf ' %s ' "$packages" | sed "s/ $skip / /g"); \
    done; \
    [ -n "$(printf '%s' "$packages" | tr -d ' ')" ] || { echo "no APT_PACKAGES found" >&2; exit 1; }; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages binutils; \
    rm -rf /var/lib/apt/lists/* /tmp/install-deps.sh

WORKDIR /src
COPY . .

# The release preset; the test suite is not built (it needs GoogleTest and a database, and runs
# in CI with scripts/test.sh instead). misc-servers is every server binary (misc_add_server).
RUN cmake --preset release -DMISC_BUILD_TESTS=OFF \
 && cmake --build --preset release --target misc-servers misc-migrate

# One file set per server binary that build/release/servers.tsv (gRPC) and rest_servers.tsv
# (HTTP/JSON) list (name, path, services), at /out/<binary>/, and misc-migrate's with the
# migrations.
RUN set -e; \
    cat build/release/servers.tsv build/release/rest_servers.tsv | grep -v '^#' | \
    while IFS="$(printf '\t')" read -r name path services; do \
      scripts/runtime-fileset.sh "build/release/$path" /out/"$name" --strip; \
    done; \
    scripts/runtime-fileset.sh build/release/cmd/migrate/misc-migrate /out/misc-migrate --strip \
      --with-migrations migrations

# ---- migrate: misc-migrate with migrations/ at /migrations ---------------------------------------
FROM scratch AS migrate
COPY --from=build /out/misc-migrate/ /
USER 65532:65532
ENV MISC_MIGRATIONS_DIR=/migrations
ENTRYPOINT ["/usr/local/bin/misc-migrate"]
CMD ["status"]

# ---- restaurant: misc-restaurant, RestaurantService alone --------------------------------------
FROM scratch AS restaurant
COPY --from=build /out/misc-restaurant/ /
USER 65532:65532
ENV MISC_LISTEN=0.0.0.0:50051 MISC_METRICS_LISTEN=0.0.0.0:9464
EXPOSE 50051 9464
ENTRYPOINT ["/usr/local/bin/misc-restaurant"]

# ---- rest: misc-rest, every service over HTTP/JSON (docs/rest.md) ---------------------------
FROM scratch AS rest
COPY --from=build /out/misc-rest/ /
USER 65532:65532
ENV MISC_HTTP_LISTEN=0.0.0.0:8080 MISC_METRICS_LISTEN=0.0.0.0:9464
EXPOSE 8080 9464
ENTRYPOINT ["/usr/local/bin/misc-rest"]

# ---- misc: misc-server, every service ----------------------------------------------------------
FROM scratch AS misc
COPY --from=build /out/misc-server/ /
USER 65532:65532
ENV MISC_LISTEN=0.0.0.0:50051 MISC_METRICS_LISTEN=0.0.0.0:9464
EXPOSE 50051 9464
ENTRYPOINT ["/usr/local/bin/misc-server"]
