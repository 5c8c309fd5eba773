#!/usr/bin/env bash
# Packs the release artifacts into dist/ from the static binaries `make static`
# and `make static-aarch64` built: for each architecture a tarball (binary, man
# page, completions, licences, README) and a Debian package, and SHA256SUMS
# over them all. Byte-for-byte reproducible: files are dated to the commit
# (SOURCE_DATE_EPOCH), owned by root, sorted, and gzip stores no name or time.
#
# Usage: scripts/dist.sh VERSION
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:?usage: scripts/dist.sh VERSION}
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
export SOURCE_DATE_EPOCH=$epoch
out=dist
work=target/dist
rm -rf "$out" "$work"
mkdir -p "$out" "$work"

# The man page and completions are the same text on every architecture; the
# x86_64 binary, which runs here, writes them.
host=target/x86_64-unknown-linux-musl/release/sso-config
"$host" __man > "$work/sso-config.1"
"$host" completion bash > "$work/sso-config.bash"
"$host" completion zsh > "$work/_sso-config"
"$host" completion fish > "$work/sso-config.fish"

# Dates every file under $1 to the commit, so archives do not change with the
# time of the build.
date_tree() {
  find "$1" -exec touch -h -d "@$epoch" {} +
}

tarball() { # arch binary
  local arch=$1 bin=$2 name="sso-config-$version-$1-linux-musl"
  local dir="$work/$name"
  mkdir -p "$dir/completions"
  install -m 0755 "$bin" "$dir/sso-config"
  install -m 0644 "$work/sso-config.1" "$dir/sso-config.1"
  install -m 0644 "$work/sso-config.bash" "$work/_sso-config" "$work/sso-config.fish" "$dir/completions/"
  install -m 0644 LICENSE LICENSE-MIT LICENSE-APACHE README.md "$dir/"
  date_tree "$dir"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
    -C "$work" -cf - "$name" | gzip -n -9 > "$out/$name.tar.gz"
}

deb() { # debian-arch binary
  local arch=$1 bin=$2
  local root="$work/deb-$arch"
  install -D -m 0755 "$bin" "$root/usr/bin/sso-config"
  install -d "$root/usr/share/man/man1"
  gzip -n -9 -c "$work/sso-config.1" > "$root/usr/share/man/man1/sso-config.1.gz"
  chmod 0644 "$root/usr/share/man/man1/sso-config.1.gz"
  install -D -m 0644 "$work/sso-config.bash" "$root/usr/share/bash-completion/completions/sso-config"
  install -D -m 0644 "$work/_sso-config" "$root/usr/share/zsh/vendor-completions/_sso-config"
  install -D -m 0644 "$work/sso-config.fish" "$root/usr/share/fish/vendor_completions.d/sso-config.fish"
  install -d "$root/usr/share/doc/sso-config"
  {
    echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
    echo "Upstream-Name: sso-config"
    echo
    echo "Files: *"
    echo "Copyright: 2026 The sso-config developers"
    echo "License: MIT or Apache-2.0"
    echo
    echo "License: MIT"
    sed 's/^$/./; s/^/ /' LICENSE-MIT
    echo
    echo "License: Apache-2.0"
    echo " On Debian systems, the full text of the Apache License, Version 2.0"
    echo " is in /usr/share/common-licenses/Apache-2.0."
  } > "$root/usr/share/doc/sso-config/copyright"
  chmod 0644 "$root/usr/share/doc/sso-config/copyright"
  local size
  size=$(du -k -s --apparent-size "$root/usr" | cut -f1)
  install -d "$root/DEBIAN"
  cat > "$root/DEBIAN/control" <<EOF
Package: sso-config
Version: $version
Architecture: $arch
Maintainer: The sso-config developers <sso-config@users.noreply.github.com>
Installed-Size: $size
Section: admin
Priority: optional
Description: AWS IAM Identity Center (AWS SSO) from the terminal
 One static binary: log in with the device code or PKCE flow (tokens shared
 with the AWS CLI v2), generate ~/.aws/config profiles for every account and
 role, and hand out role credentials as credential_process, environment
 variables, a container endpoint or a console sign-in.
EOF
  date_tree "$root"
  dpkg-deb --root-owner-group -Zgzip --build "$root" "$out/sso-config_${version}_$arch.deb" >/dev/null
}

tarball x86_64 target/x86_64-unknown-linux-musl/release/sso-config
tarball aarch64 target/aarch64-unknown-linux-musl/release/sso-config
deb amd64 target/x86_64-unknown-linux-musl/release/sso-config
deb arm64 target/aarch64-unknown-linux-musl/release/sso-config

(cd "$out" && sha256sum -- *.tar.gz *.deb > SHA256SUMS)
echo "dist/ (SOURCE_DATE_EPOCH=$epoch):"
(cd "$out" && for f in *; do printf '  %-48s %9d bytes\n' "$f" "$(stat -c %s "$f")"; done)
