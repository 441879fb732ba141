# computefit: build on Debian 12, run on Debian 12 slim with the runtime libraries only.
# The package names match scripts/lib/common.sh (CF_BUILD_PACKAGES).

FROM debian:12 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      gcc libc6-dev meson ninja-build pkg-config \
      libmicrohttpd-dev libjansson-dev libcurl4-openssl-dev zlib1g-dev libssl-dev ca-certificates python3-yaml \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY meson.build meson_options.txt ./
COPY include/ include/
COPY src/ src/
COPY config/ config/
COPY scripts/ scripts/
COPY openapi/ openapi/
COPY web/ web/
RUN meson setup /build --buildtype=release --prefix=/usr -Dconfig_dir=/etc/computefit -Dtests=disabled \
 && ninja -C /build \
 && DESTDIR=/out meson install -C /build --no-rebuild

FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libmicrohttpd12 libjansson4 libcurl4 libssl3 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 computefit \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin computefit \
 && install -d -o computefit -g computefit /var/lib/computefit
COPY --from=build /out/usr/bin/computefit /usr/bin/computefit
# The snapshot tool is not installed by meson; the Kubernetes CronJob in deploy/ runs it from here.
COPY --from=build /build/computefit-snapshot /usr/bin/computefit-snapshot
COPY --from=build /out/etc/computefit/ /etc/computefit/
# A fixed, numeric user: Kubernetes' runAsNonRoot can only verify a numeric USER, and the
# manifests in deploy/ name the same uid and gid (10001; the group comes from /etc/passwd).
USER 10001
ENV COMPUTEFIT_STATE_DIR=/var/lib/computefit
# Declared so that an ECS Fargate bind mount at this path starts as the image's directory, owned
# by computefit (an undeclared one is root's, 0755, and the state file could not be written).
VOLUME ["/var/lib/computefit"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=5s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/bin/computefit"]
CMD ["--config", "/etc/computefit/computefit.conf"]
