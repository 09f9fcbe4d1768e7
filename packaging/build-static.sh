#!/usr/bin/env bash
# Builds a fully static meine-versorgung binary (x86_64, musl) and checks it.
#
#   packaging/build-static.sh
#
# Result: target/x86_64-unknown-linux-musl/release/meine-versorgung
# Needs: rustup, and apt-get (Debian/Ubuntu) if musl-tools are missing.
# Takes ≈ 6 minutes from clean on two cores.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

TARGET=x86_64-unknown-linux-musl
BIN="target/${TARGET}/release/meine-versorgung"

# Runs a command as root: directly when already root, else through sudo.
as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    else
        sudo "$@"
    fi
}

apt_install() {
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "error: $* missing and apt-get not available; install it by hand" >&2
        exit 1
    fi
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

# musl-gcc compiles the C parts of dependencies (ring) for the musl target.
if ! command -v musl-gcc >/dev/null 2>&1; then
    echo "==> installing musl-tools"
    apt_install musl-tools
fi
if ! command -v file >/dev/null 2>&1; then
    echo "==> installing file"
    apt_install file
fi

if ! rustup target list --installed | grep -qx "${TARGET}"; then
    echo "==> rustup target add ${TARGET}"
    rustup target add "${TARGET}"
fi

echo "==> cargo build --locked --release --target ${TARGET}"
cargo build --locked --release --target "${TARGET}"

echo "==> checking ${BIN}"
description=$(file -L "${BIN}")
echo "${description}"
case "${description}" in
    *"statically linked"* | *"static-pie linked"*) ;;
    *)
        echo "error: ${BIN} is not statically linked" >&2
        exit 1
        ;;
esac

"${BIN}" --version
ls -l "${BIN}"
echo "==> done: ${BIN}"
