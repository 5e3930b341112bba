#!/bin/sh
# Installs the prebuilt `opentracy` executable for this machine from a release:
#
#   curl -fsSL https://github.com/OWNER/opentracy/releases/latest/download/install.sh | sh
#
# It picks opentracy-<os>-<arch> for this machine (Linux or macOS, x64 or arm64), checks it against
# the release's SHA256SUMS and refuses it on any mismatch, then puts it in the install folder in
# one rename (an existing opentracy keeps running until the new one is in place). Windows: download
# opentracy-windows-x64.exe from the release page instead.
#
#   OPENTRACY_INSTALL_DIR  where to put it (default: ~/.local/bin)
#   OPENTRACY_RELEASE_URL  where the release's files are (default: the latest GitHub release);
#                          any URL curl reads, file:// included
#
# "OWNER/opentracy" is a placeholder for the project's GitHub repository.
set -eu

RELEASE_URL=${OPENTRACY_RELEASE_URL:-https://github.com/OWNER/opentracy/releases/latest/download}
RELEASE_URL=${RELEASE_URL%/}
INSTALL_DIR=${OPENTRACY_INSTALL_DIR:-${HOME:?HOME is not set}/.local/bin}

fail() {
  echo "opentracy install: $*" >&2
  exit 1
}

os=$(uname -s)
arch=$(uname -m)
case $os in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  MINGW* | MSYS* | CYGWIN* | Windows*) fail "on Windows, download opentracy-windows-x64.exe from the release page ($RELEASE_URL/opentracy-windows-x64.exe)" ;;
  *) fail "no prebuilt binary for $os; build from source (see the README)" ;;
esac
case $arch in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) fail "no prebuilt binary for $os on $arch; build from source (see the README)" ;;
esac
# A shell under Rosetta reports x86_64 on Apple silicon; the native build is the one to use.
if [ "$os-$arch" = darwin-x64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
  arch=arm64
fi
asset=opentracy-$os-$arch

if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | cut -d ' ' -f 1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | cut -d ' ' -f 1; }
else
  fail "need sha256sum or shasum to check the download; neither was found"
fi

if command -v curl >/dev/null 2>&1; then
  download() { curl -fsSL -o "$2" "$1" || fail "could not download $1"; }
elif command -v wget >/dev/null 2>&1; then
  download() { wget -q -O "$2" "$1" || fail "could not download $1"; }
else
  fail "need curl or wget to download; neither was found"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/opentracy-install.XXXXXX")
staged=
trap 'rm -rf "$tmp"; [ -z "$staged" ] || rm -f "$staged"' EXIT
trap 'exit 130' INT TERM

echo "downloading $asset from $RELEASE_URL"
download "$RELEASE_URL/SHA256SUMS" "$tmp/SHA256SUMS"
download "$RELEASE_URL/$asset" "$tmp/$asset"

expected=$(awk -v f="$asset" '$2 == f || $2 == "*" f { print $1; exit }' "$tmp/SHA256SUMS")
[ -n "$expected" ] || fail "SHA256SUMS has no line for $asset; nothing installed"
actual=$(sha256 "$tmp/$asset")
if [ "$actual" != "$expected" ]; then
  fail "CHECKSUM MISMATCH for $asset: expected $expected, got $actual. The download is corrupt or was tampered with; nothing installed"
fi

mkdir -p "$INSTALL_DIR" || fail "cannot create $INSTALL_DIR"
target=$INSTALL_DIR/opentracy
# Stage next to the target (same file system), then rename: the swap is atomic.
staged=$INSTALL_DIR/.opentracy.$$.tmp
cp "$tmp/$asset" "$staged" || fail "cannot write to $INSTALL_DIR"
chmod 0755 "$staged"
mv -f "$staged" "$target" || fail "cannot replace $target"
staged=

version=$("$target" --version 2>/dev/null || true)
echo "installed opentracy${version:+ $version} to $target (sha256 $actual verified)"

case ":${PATH:-}:" in
  *":$INSTALL_DIR:"* | *":$INSTALL_DIR/:"*) ;;
  *)
    echo
    echo "$INSTALL_DIR is not on your PATH. Add it, e.g. in ~/.profile or your shell's rc file:"
    echo "  export PATH=\"$INSTALL_DIR:\$PATH\""
    ;;
esac
