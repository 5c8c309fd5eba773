#!/usr/bin/env bash
# Tests the release artifacts in dist/ as they ship (`make dist-check`, run by
# CI after `make dist`):
#   1. each tarball's binary: static, of its architecture, at most 3 MiB, with
#      its CA roots; packing again gives the same bytes;
#   2. the aarch64 binary under qemu-user: --version, a credential-process
#      cache hit, and `make demo`'s flow against the (x86_64) fake;
#   3. the amd64 .deb installed with dpkg into a throw-away root: the binary
#      runs, `man sso-config` and the bash completion are found; then removed;
#   4. install.sh (run by dash, a strict POSIX sh) against dist/ served on
#      loopback: both architectures, a tampered tarball refused, plain http
#      to another host refused.
#
# Usage: scripts/dist-check.sh VERSION
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:?usage: scripts/dist-check.sh VERSION}
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
fail() { printf 'dist-check: FAILED: %s\n' "$*" >&2; exit 1; }
MAX=$((3 * 1024 * 1024))

step "1. binaries in the tarballs"
for arch in x86_64 aarch64; do
  name="sso-config-$version-$arch-linux-musl"
  tar -xzf "dist/$name.tar.gz" -C "$tmp"
  bin="$tmp/$name/sso-config"
  for f in sso-config sso-config.1 completions/sso-config.bash completions/_sso-config \
    completions/sso-config.fish LICENSE LICENSE-MIT LICENSE-APACHE README.md; do
    [ -f "$tmp/$name/$f" ] || fail "$name.tar.gz has no $f"
  done
  kind=$(file -b "$bin")
  want=$([ "$arch" = x86_64 ] && echo x86-64 || echo "ARM aarch64")
  [[ $kind == *"$want"* ]] || fail "$arch binary is: $kind"
  [[ $kind == *"statically linked"* || $kind == *"static-pie linked"* ]] || fail "$arch binary is not static: $kind"
  [[ $kind == *stripped* && $kind != *"not stripped"* ]] || fail "$arch binary is not stripped: $kind"
  size=$(stat -c %s "$bin")
  [ "$size" -le "$MAX" ] || fail "$arch binary is $size bytes, more than 3 MiB"
  grep -q -a 'Amazon Root CA 1' "$bin" || fail "$arch binary carries no CA roots"
  echo "$name: $size bytes, $kind"
done
(cd dist && sha256sum -c --quiet SHA256SUMS) || fail "SHA256SUMS does not match dist/"
cp dist/SHA256SUMS "$tmp/SHA256SUMS.first"
scripts/dist.sh "$version" >/dev/null
cmp -s dist/SHA256SUMS "$tmp/SHA256SUMS.first" || fail "packing twice gave different bytes"
echo "packing again gives the same bytes"

step "2. the aarch64 binary under qemu-user"
arm="$tmp/sso-config-$version-aarch64-linux-musl/sso-config"
command -v qemu-aarch64 >/dev/null || fail "needs qemu-aarch64 (Debian: qemu-user)"
out=$(qemu-aarch64 "$arm" --version)
[[ $out == "sso-config $version ("*"aarch64-unknown-linux-musl)" ]] || fail "--version: $out"
echo "$out"
# A credential-process cache hit: the AWS CLI's role-cache file, named by
# botocore's key (sha1 of the compact, sorted JSON of account, role and session).
home="$tmp/home"
mkdir -p "$home/.aws/cli/cache"
key=$(printf '%s' '{"accountId":"111122223333","roleName":"ReadOnly","sessionName":"corp"}' | sha1sum | cut -d' ' -f1)
cat > "$home/.aws/cli/cache/$key.json" <<'EOF'
{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIAQEMUTESTKEY00001", "SecretAccessKey": "qemu-secret", "SessionToken": "qemu-token", "Expiration": "2099-01-01T00:00:00Z"}}
EOF
out=$(env -i HOME="$home" qemu-aarch64 "$arm" credential-process --sso-session corp \
  --account-id 111122223333 --role-name ReadOnly)
[[ $out == *'"AccessKeyId":"ASIAQEMUTESTKEY00001"'* || $out == *'"AccessKeyId": "ASIAQEMUTESTKEY00001"'* ]] \
  || fail "credential-process cache hit: $out"
echo "credential-process answered from the cache file"
# make demo's flow, the aarch64 binary against the x86_64 fake.
cargo build --quiet -p fake-idc
printf '#!/bin/sh\nexec qemu-aarch64 %q "$@"\n' "$arm" > "$tmp/sso-config-arm"
chmod +x "$tmp/sso-config-arm"
out=$(SSO_CONFIG_BIN="$tmp/sso-config-arm" FAKE_IDC=target/debug/fake-idc scripts/demo.sh 2>&1) \
  || fail "demo flow under qemu: $out"
[[ $out == *"[profile Management.Billing]"* && $out == *'"AccessKeyId"'* ]] || fail "demo flow output: $out"
echo "make demo's flow: logged in, wrote the profiles, exported credentials"

step "3. the amd64 .deb in a throw-away root"
root="$tmp/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
export PATH="$PATH:/usr/sbin:/sbin"
dpkg_root() { dpkg --root="$root" --force-not-root --force-script-chrootless "$@"; }
dpkg_root -i "dist/sso-config_${version}_amd64.deb" >/dev/null
"$root/usr/bin/sso-config" --version
page=$(man --manpath="$root/usr/share/man" -w sso-config) || fail "man does not find sso-config"
echo "man -w: $page"
MANWIDTH=80 man --manpath="$root/usr/share/man" -P cat sso-config 2>/dev/null | grep -q 'credential-process' \
  || fail "man sso-config does not render"
# bash-completion's loader finds the script by the command's name in
# XDG_DATA_DIRS/bash-completion/completions.
loader=/usr/share/bash-completion/bash_completion
[ -f "$loader" ] || fail "needs $loader (Debian: bash-completion)"
spec=$(XDG_DATA_DIRS="$root/usr/share" bash -c ". $loader; __load_completion sso-config && complete -p sso-config") \
  || fail "bash-completion does not find the sso-config completion"
echo "bash-completion: $spec"
dpkg_root -r sso-config >/dev/null
[ ! -e "$root/usr/bin/sso-config" ] && [ ! -e "$root/usr/share/man/man1/sso-config.1.gz" ] \
  || fail "dpkg -r left files behind"
echo "installed, found, removed"

step "4. install.sh against a release served on loopback"
# Serves a folder on 127.0.0.1 and sets $served to its URL. Not called in a
# $(…): the server's pid must reach this shell's list, which the exit trap
# kills.
serve() { # dir
  local fifo="$tmp/serve-$RANDOM.fifo"
  mkfifo "$fifo"
  python3 -c '
import functools, http.server, sys
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
handler = functools.partial(Quiet, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print("http://127.0.0.1:%d" % server.server_address[1], flush=True)
server.serve_forever()' "$1" > "$fifo" &
  pids+=($!)
  read -r served < "$fifo"
}
serve dist
url=$served
for arch in x86_64 aarch64; do
  prefix="$tmp/prefix-$arch"
  env -i PATH="$PATH" HOME="$tmp" PREFIX="$prefix" SSO_CONFIG_ARCH="$arch" dash install.sh "$url" \
    || fail "install.sh ($arch)"
  for f in bin/sso-config share/man/man1/sso-config.1 share/bash-completion/completions/sso-config \
    share/zsh/site-functions/_sso-config share/fish/vendor_completions.d/sso-config.fish; do
    [ -f "$prefix/$f" ] || fail "install.sh ($arch) did not install $f"
  done
  cmp -s "$prefix/bin/sso-config" "$tmp/sso-config-$version-$arch-linux-musl/sso-config" \
    || fail "install.sh ($arch) installed another binary"
done
"$tmp/prefix-x86_64/bin/sso-config" --version
# A tarball that does not match SHA256SUMS installs nothing.
mkdir "$tmp/tampered"
cp dist/* "$tmp/tampered/"
printf 'x' >> "$tmp/tampered/sso-config-$version-x86_64-linux-musl.tar.gz"
serve "$tmp/tampered"
bad=$served
if env -i PATH="$PATH" HOME="$tmp" PREFIX="$tmp/prefix-bad" dash install.sh "$bad" 2> "$tmp/bad.err"; then
  fail "install.sh installed a tampered tarball"
fi
grep -q 'does not match its SHA256SUMS entry' "$tmp/bad.err" || fail "tampered: $(cat "$tmp/bad.err")"
[ ! -e "$tmp/prefix-bad" ] || fail "install.sh left files from a tampered tarball"
if env -i PATH="$PATH" HOME="$tmp" dash install.sh http://example.com/release 2> "$tmp/http.err"; then
  fail "install.sh took plain http to another host"
fi
grep -q 'must start with https://' "$tmp/http.err" || fail "http: $(cat "$tmp/http.err")"
echo "installed both architectures; refused a tampered tarball and plain http"

printf '\ndist-check: all passed\n'
