#!/usr/bin/env bash
# The main job without an AWS account: start the bundled fake Identity Center
# on loopback, log in (the fake approves at once), and print the generated
# ~/.aws/config. Everything happens in a throw-away HOME.
set -euo pipefail
cd "$(dirname "$0")/.."
# SSO_CONFIG_BIN and FAKE_IDC run other builds through the same flow
# (`make dist-check` runs the aarch64 binary under qemu-user).
bin=${SSO_CONFIG_BIN:-target/release/sso-config}
fake=${FAKE_IDC:-target/release/fake-idc}

home=$(mktemp -d)
exec 3< <(exec "$fake" serve --sample --until-killed 2>/dev/null)
fake_pid=$!
trap 'kill $fake_pid 2>/dev/null; rm -rf "$home"' EXIT
read -r url <&3

export HOME=$home
export AWS_ENDPOINT_URL_SSO_OIDC=$url AWS_ENDPOINT_URL_SSO=$url
start_url=https://d-9067c3a1f2.awsapps.com/start

echo "\$ sso-config login --start-url $start_url --sso-region us-east-1 --device-code"
"$bin" login --start-url "$start_url" --sso-region us-east-1 --device-code
echo
echo "\$ sso-config --region eu-west-1 --write"
"$bin" --region eu-west-1 --write
cat "$HOME/.aws/config"
echo
echo "\$ sso-config export --profile Management.Billing --format json"
"$bin" export --profile Management.Billing --format json
