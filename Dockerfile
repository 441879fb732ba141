# computefit: build on Debian 12, run on Debian 12 slim with the runtime libraries only.
# The package names match scripts/lib/common.sh (CF_BUILD_PACKAGES).

FROM debian:12 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      gcc libc6-dev meson ninja-build pkg-config \
      libmicrohttpd-dev libjansson-dev libcurl4-openssl-dev libssl-dev ca-certificates python3-yaml \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY meson.build meson_options.txt ./
COPY include/ include/
COPY src/ src/
COPY config/ config/
COPY scripts/ scripts/
COPY openapi/ openapi/
RUN meson setup /build --buildtype=release --prefix=/usr -Dconfig_dir=/etc/computefit -Dtests=disabled \
 && ninja -C /build \
 && DESTDIR=/out meson install -C /build --no-rebuild

FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libmicrohttpd12 libjansson4 libcurl4 libssl3 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --no-create-home --shell /usr/sbin/nologin computefit \
 && install -d -o computefit -g computefit /var/lib/computefit
COPY --from=build /out/usr/bin/computefit /usr/bin/computefit
COPY --from=build /out/etc/computefit/ /etc/computefit/
USER computefit
ENV COMPUTEFIT_STATE_DIR=/var/lib/computefit
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=5s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/bin/computefit"]
CMD ["--config", "/etc/computefit/computefit.conf"]
