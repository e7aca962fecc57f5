#!/usr/bin/env bash
# The test command: installs test dependencies, then formatting, lints and every test of the
# workspace (unit, integration, doc and the black-box e2e suite). Exits non-zero on failure.
#
#   ORGDIR_TEST_RUNNER=nextest scripts/test.sh   # use cargo-nextest (plus doctests)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

step "test dependencies"
scripts/install-test-deps.sh

# The e2e suite runs tests/python/*.py with the virtualenv's interpreter.
export ORGDIR_TEST_PYTHON="$PWD/target/test-venv/bin/python3"
# Panics show where they happened; anyhow errors in failing tests stay readable.
export RUST_BACKTRACE="${RUST_BACKTRACE:-1}"
export RUST_LIB_BACKTRACE="${RUST_LIB_BACKTRACE:-0}"

step "cargo fmt --all --check"
cargo fmt --all --check

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo doc --workspace --no-deps (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked -q

if [ "${ORGDIR_TEST_RUNNER:-cargo}" = nextest ] && cargo nextest --version >/dev/null 2>&1; then
    step "cargo nextest run --workspace"
    cargo nextest run --workspace --locked --no-fail-fast
    step "cargo test --workspace --doc"
    cargo test --workspace --locked --doc
else
    step "cargo test --workspace"
    cargo test --workspace --locked --no-fail-fast
fi
# Real LDAP consumers (Dovecot, FreeRADIUS, Postfix tables, nslcd) against the binary the
# tests just built. They need root (daemons, a private mount namespace); CI runs as root.
step "real consumers: scripts/test-consumers.sh"
if [ "$(id -u)" -eq 0 ]; then
    scripts/test-consumers.sh target/debug/orgdir
else
    echo "skipped: scripts/test-consumers.sh needs root (run it with sudo)" >&2
fi
step "all checks passed"
