#!/usr/bin/env bash
# Builds the static binary and the Debian package and checks both: the
# binary is statically linked and starts; the package holds the binary,
# unit and configuration, installs into a throwaway root, and the installed
# binary accepts the installed configuration.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

packaging/build-static.sh
packaging/build-deb.sh

VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
DEB="target/debian/meine-versorgung_${VERSION}_amd64.deb"
BIN="target/x86_64-unknown-linux-musl/release/meine-versorgung"

echo "==> ldd ${BIN}"
if ldd "${BIN}" 2>&1 | grep -q "=>"; then
    echo "error: ${BIN} links shared libraries" >&2
    ldd "${BIN}" >&2
    exit 1
fi

echo "==> contents of ${DEB}"
contents=$(dpkg-deb -c "${DEB}")
echo "${contents}"
for path in ./usr/bin/meine-versorgung ./lib/systemd/system/meine-versorgung.service ./etc/meine-versorgung/meine-versorgung.toml ./usr/share/doc/meine-versorgung/docs/operations.md; do
    grep -q " ${path}$" <<<"${contents}" || { echo "error: ${path} missing in ${DEB}" >&2; exit 1; }
done
dpkg-deb -f "${DEB}" Package Version Architecture

root=$(mktemp -d)
data=$(mktemp -d)
trap 'rm -rf "${root}" "${data}"' EXIT
dpkg-deb -x "${DEB}" "${root}"
echo "==> installed binary in a throwaway root"
"${root}/usr/bin/meine-versorgung" --version
MV_DATA_DIR="${data}" "${root}/usr/bin/meine-versorgung" check-config \
    --config "${root}/etc/meine-versorgung/meine-versorgung.toml" >/dev/null
echo "==> package ok"
