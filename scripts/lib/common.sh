# Shared by scripts/run and scripts/test: package lists and the install step.
# shellcheck shell=bash

# Packages needed to build and run (the Dockerfile's build stage installs the same names).
CF_BUILD_PACKAGES="gcc libc6-dev meson ninja-build pkg-config libmicrohttpd-dev libjansson-dev libcurl4-openssl-dev zlib1g-dev libssl-dev ca-certificates python3-yaml"
# Packages the test suite needs on top: Check, clang with its sanitizer runtime (TSan build),
# clang-format (the checked-in style), valgrind (the shutdown smoke test), curl, xmllint (SVG
# well-formedness), promtool from prometheus (metrics format), Chromium and a font (the web
# page's browser test), node and npm (the OpenAPI linter, the contract validator and the browser
# test's puppeteer-core: see cf_ensure_node).
CF_TEST_PACKAGES="check clang libclang-rt-14-dev clang-format curl libxml2-utils prometheus valgrind chromium fonts-dejavu-core"

cf_root() {
    cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd
}

# Installs whichever of the given packages are missing; a quick no-op when all are present.
cf_ensure_packages() {
    local missing=()
    local p
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$p")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "==> installing: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq || return 1
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || return 1
}

# Configures (once) and builds a meson build directory: cf_build DIR [meson setup args...]
cf_build() {
    local dir=$1
    shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" "$@" >/dev/null || return 1
    fi
    ninja -C "$dir" >/dev/null || ninja -C "$dir"
}

# Makes sure node and npm are on PATH. Machines that already have them (Debian's packages or
# NodeSource's, which bundles npm) are left alone; others get Debian's nodejs and npm.
cf_ensure_node() {
    if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
        return 0
    fi
    cf_ensure_packages nodejs npm
}

# Installs the pinned npm packages of package-lock.json (the OpenAPI linter, the contract
# validator's ajv, the browser test's puppeteer-core) with `npm ci` when they are missing or
# were installed from another lockfile. Run from the repository root.
cf_ensure_npm_packages() {
    cf_ensure_node || return 1
    # The install is current when it was made from this very lockfile: its hash is recorded in
    # node_modules after a successful `npm ci`. (Timestamps are not enough: a fresh checkout or a
    # worktree has a lockfile newer than an install that matches it.)
    local want have
    want=$(sha256sum package-lock.json | cut -d' ' -f1)
    have=$(cat node_modules/.computefit-lock.sha256 2>/dev/null || true)
    [ "$want" = "$have" ] && return 0
    echo "npm ci (pinned versions from package-lock.json)" >&2
    # No package of the lockfile needs an install script; --ignore-scripts keeps it that way.
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error || return 1
    echo "$want" >node_modules/.computefit-lock.sha256
}
