#!/usr/bin/env bash
# Builds the Debian package from the static binary.
#
#   packaging/build-deb.sh        (runs build-static.sh first if needed)
#
# Result: target/debian/meine-versorgung_<version>_amd64.deb
# The package is assembled with dpkg-deb, which every Debian system has; it
# installs the binary, the systemd unit and the configuration file
# /etc/meine-versorgung/meine-versorgung.toml (a conffile: local changes
# survive upgrades). The data directory /var/lib/meine-versorgung is created
# by systemd (StateDirectory=) for the unit's dynamic user.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

TARGET=x86_64-unknown-linux-musl
BIN="target/${TARGET}/release/meine-versorgung"
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
ROOT="target/debian/root"
DEB="target/debian/meine-versorgung_${VERSION}_amd64.deb"

if [[ ! -x "${BIN}" || "${BIN}" -ot Cargo.lock || -n "$(find src assets config -newer "${BIN}" -print -quit)" ]]; then
    packaging/build-static.sh
fi

rm -rf "${ROOT}"
install -d "${ROOT}/DEBIAN" "${ROOT}/usr/bin" "${ROOT}/lib/systemd/system" \
    "${ROOT}/etc/meine-versorgung" "${ROOT}/usr/share/doc/meine-versorgung"
install -m 0755 "${BIN}" "${ROOT}/usr/bin/meine-versorgung"
install -m 0644 packaging/meine-versorgung.service "${ROOT}/lib/systemd/system/meine-versorgung.service"
install -m 0644 config/meine-versorgung.toml "${ROOT}/etc/meine-versorgung/meine-versorgung.toml"
install -m 0644 README.md "${ROOT}/usr/share/doc/meine-versorgung/README.md"
install -m 0644 SECURITY.md "${ROOT}/usr/share/doc/meine-versorgung/SECURITY.md"
install -d "${ROOT}/usr/share/doc/meine-versorgung/docs"
install -m 0644 docs/*.md "${ROOT}/usr/share/doc/meine-versorgung/docs/"

cat > "${ROOT}/DEBIAN/control" <<CONTROL
Package: meine-versorgung
Version: ${VERSION}
Section: web
Priority: optional
Architecture: amd64
Maintainer: Meine Versorgung <noreply@meineversorgung.invalid>
Installed-Size: $(du -k -s "${ROOT}" | cut -f1)
Description: Portal "Meine Versorgung" for member organisations of a pension fund
 Self-hosted portal through which the member organisations of a municipal
 pension and benefit fund administer their staff's access and exchange
 messages and documents with the funds. One static binary with embedded
 database, web assets and mail dispatch.
CONTROL

echo "/etc/meine-versorgung/meine-versorgung.toml" > "${ROOT}/DEBIAN/conffiles"

cat > "${ROOT}/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = "configure" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || true
    systemctl enable meine-versorgung.service >/dev/null 2>&1 || true
    systemctl restart meine-versorgung.service >/dev/null 2>&1 || true
fi
exit 0
POSTINST

cat > "${ROOT}/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
    systemctl stop meine-versorgung.service >/dev/null 2>&1 || true
fi
exit 0
PRERM

cat > "${ROOT}/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
POSTRM
chmod 0755 "${ROOT}/DEBIAN/postinst" "${ROOT}/DEBIAN/prerm" "${ROOT}/DEBIAN/postrm"

dpkg-deb --root-owner-group --build "${ROOT}" "${DEB}"
echo "==> done: ${DEB}"
