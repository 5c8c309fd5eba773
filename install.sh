#!/bin/sh
# Installs sso-config from a release: picks this machine's architecture,
# downloads the tarball and SHA256SUMS from the release URL, verifies the
# tarball against SHA256SUMS, and installs the binary, man page and shell
# completions under PREFIX (default ~/.local). POSIX sh; needs curl or wget,
# tar, gzip and sha256sum (or shasum).
#
#   sh install.sh https://github.com/OWNER/sso-config/releases/download/v0.1.0
#   curl -fsSL URL/install.sh | sh -s -- URL
#   SSO_CONFIG_RELEASE_URL=URL PREFIX=/usr/local sh install.sh
#
# SSO_CONFIG_ARCH=x86_64|aarch64 overrides the architecture `uname -m` names.
set -eu

say() { printf 'install.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

base=${1:-${SSO_CONFIG_RELEASE_URL:-}}
[ -n "$base" ] || die "which release? give its URL as the argument or in SSO_CONFIG_RELEASE_URL"
base=${base%/}
# Plain http is refused but on loopback (a local mirror, the tests): the
# checksums come from the same place as the tarball, so only TLS keeps a
# network attacker from replacing both.
case $base in
  https://*) ;;
  http://127.0.0.1:* | http://127.0.0.1/* | http://localhost:* | http://localhost/* | http://\[::1\]*) ;;
  *) die "the release URL must start with https:// (got '$base')" ;;
esac

[ "$(uname -s)" = Linux ] || die "these builds are for Linux; this is $(uname -s)"
machine=${SSO_CONFIG_ARCH:-$(uname -m)}
case $machine in
  x86_64 | amd64) arch=x86_64 ;;
  aarch64 | arm64 | armv8l) arch=aarch64 ;;
  *) die "no build for architecture '$machine' (there are x86_64 and aarch64)" ;;
esac

if command -v curl >/dev/null 2>&1; then
  fetch() { curl -fsSL --retry 3 -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
  fetch() { wget -q -O "$2" "$1"; }
else
  die "needs curl or wget to download"
fi
if command -v sha256sum >/dev/null 2>&1; then
  check() { sha256sum -c --status -; }
elif command -v shasum >/dev/null 2>&1; then
  check() { shasum -a 256 -c --status -; }
else
  die "needs sha256sum or shasum to verify the download"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

fetch "$base/SHA256SUMS" "$tmp/SHA256SUMS" || die "cannot download $base/SHA256SUMS"
# Exactly one tarball of this architecture, with a plain file name (the
# list is as untrusted as the download until the checksum matches).
lines=$(grep -E "^[0-9a-f]{64}  sso-config-[0-9A-Za-z.+~-]+-$arch-linux-musl\.tar\.gz\$" "$tmp/SHA256SUMS" || true)
[ -n "$lines" ] || die "SHA256SUMS at $base lists no $arch-linux-musl tarball"
[ "$(printf '%s\n' "$lines" | wc -l)" -eq 1 ] || die "SHA256SUMS at $base lists more than one $arch tarball"
name=${lines##* }
say "downloading $name"
fetch "$base/$name" "$tmp/$name" || die "cannot download $base/$name"
(cd "$tmp" && printf '%s\n' "$lines" | check) || die "$name does not match its SHA256SUMS entry; nothing installed"

dir=${name%.tar.gz}
(cd "$tmp" && gzip -dc "$name" | tar -xf -) || die "cannot unpack $name"
[ -f "$tmp/$dir/sso-config" ] || die "$name holds no $dir/sso-config"

prefix=${PREFIX:-${HOME:?HOME is not set; set PREFIX}/.local}
# Each file is copied next to its place and renamed over it, so a running
# sso-config (or a failed copy) never sees half a binary.
put() { # mode source destination
  mkdir -p "$(dirname "$3")"
  cp "$2" "$3.tmp.$$"
  chmod "$1" "$3.tmp.$$"
  mv -f "$3.tmp.$$" "$3"
}
put 0755 "$tmp/$dir/sso-config" "$prefix/bin/sso-config"
put 0644 "$tmp/$dir/sso-config.1" "$prefix/share/man/man1/sso-config.1"
put 0644 "$tmp/$dir/completions/sso-config.bash" "$prefix/share/bash-completion/completions/sso-config"
put 0644 "$tmp/$dir/completions/_sso-config" "$prefix/share/zsh/site-functions/_sso-config"
put 0644 "$tmp/$dir/completions/sso-config.fish" "$prefix/share/fish/vendor_completions.d/sso-config.fish"

say "installed $("$prefix/bin/sso-config" --version 2>/dev/null || echo "$dir") in $prefix/bin"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) say "$prefix/bin is not in PATH; add it: export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
