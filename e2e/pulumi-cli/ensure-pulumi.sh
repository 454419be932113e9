#!/usr/bin/env bash
# Prints a directory holding `pulumi` and `pulumi-language-nodejs`, for the end-to-end suite's PATH.
#
# An installed Pulumi CLI is used as it is (IMMUTABLE_GUARD_PULUMI_BIN names one explicitly; else the
# first `pulumi` on PATH). Without one, the CLI is built with Go from the Go module proxy at the
# version pinned in ./go.mod, into a cache outside the repository, and reused from there on:
#   ${IMMUTABLE_GUARD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/immutable-guard}/pulumi-<version>-<hash>/
# The hash covers this folder's sources, so a changed pin or wrapper builds afresh.
# Progress goes to stderr; stdout is the directory alone. With --no-build, a CLI that is neither
# installed nor cached is not built: the script exits 3 instead (for callers that must stay quick).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
no_build=false
[ "${1:-}" = "--no-build" ] && no_build=true

if [ -n "${IMMUTABLE_GUARD_PULUMI_BIN:-}" ]; then
    [ -x "$IMMUTABLE_GUARD_PULUMI_BIN/pulumi" ] || { echo "IMMUTABLE_GUARD_PULUMI_BIN=$IMMUTABLE_GUARD_PULUMI_BIN has no pulumi" >&2; exit 1; }
    echo "$IMMUTABLE_GUARD_PULUMI_BIN"
    exit 0
fi
if installed="$(command -v pulumi 2>/dev/null)"; then
    dirname "$(readlink -f "$installed")"
    exit 0
fi

version="$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" { print $2 }' "$here/go.mod")"
hash="$(cd "$here" && cat go.mod go.sum tools.go cmd/pulumi-language-nodejs/main.go nodejs-host-v3.68/go.mod nodejs-host-v3.68/go.sum nodejs-host-v3.68/tools.go | sha256sum | cut -c1-12)"
cache="${IMMUTABLE_GUARD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/immutable-guard}"
target="$cache/pulumi-$version-$hash"
if [ -x "$target/pulumi" ] && [ -x "$target/pulumi-language-nodejs" ] && [ -x "$target/pulumi-language-nodejs-v3.68.0" ]; then
    echo "$target"
    exit 0
fi

if $no_build; then
    echo "no Pulumi CLI on PATH and none built into $target" >&2
    exit 3
fi
command -v go >/dev/null 2>&1 || {
    echo "no pulumi on PATH and no Go to build one: install the Pulumi CLI, or Go 1.26 with access to the Go module proxy" >&2
    exit 1
}
echo "building the Pulumi CLI $version into $target (first time only, a few minutes)" >&2
mkdir -p "$cache"
work="$(mktemp -d "$cache/.build-XXXXXX")"
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
(
    cd "$here"
    go build -trimpath -o "$work/pulumi" \
        -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
        github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    go build -trimpath -o "$work/pulumi-language-nodejs" ./cmd/pulumi-language-nodejs
    cd nodejs-host-v3.68
    go build -trimpath -o "$work/pulumi-language-nodejs-v3.68.0" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
) >&2
rm -rf "$target"
mv "$work" "$target"
trap - EXIT
echo "$target"
