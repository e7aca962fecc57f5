#!/usr/bin/env bash
# Installs what the test suite needs beyond the Rust toolchain, idempotently:
#   - Debian: ldap-utils (ldapsearch, ldapwhoami, ldappasswd, ldapcompare), and python3 with
#     venv if there is no usable python3;
#   - PyPI: the pinned, hash-checked packages of tests/python/requirements.txt, in a
#     virtualenv at target/test-venv (found there by the e2e tests);
#   - for the panel's browser test (tests/e2e/browser.rs): Debian chromium, and node + npm
#     if missing; npm playwright-core at the version of admin-web/e2e/package-lock.json,
#     installed with `npm ci` into admin-web/e2e/node_modules (no install scripts, never a
#     browser download: the test drives /usr/bin/chromium);
#   - for the office-suite test (tests/e2e/office.rs): Debian libreoffice-calc-nogui
#     (`soffice --headless`, which converts CSV to XLSX/ODS/XLS and our XLSX back to CSV);
#   - rustup components rustfmt and clippy, if rustup manages the toolchain and they are missing.
# Runs `apt-get update` at most once, and only when a Debian package is missing. Needs root
# (or sudo) only in that case. Works offline when everything is already installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DEBIAN_FRONTEND=noninteractive
VENV="target/test-venv"
REQUIREMENTS="tests/python/requirements.txt"

log() { printf 'install-test-deps: %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -E "$@"
    else
        log "need root to run: $*"
        exit 1
    fi
}

apt_updated=0
apt_install() {
    local missing=()
    local pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        log "missing ${missing[*]} and no apt-get: install them by hand"
        exit 1
    fi
    if [ "$apt_updated" -eq 0 ]; then
        log "apt-get update"
        as_root apt-get update -qq
        apt_updated=1
    fi
    log "apt-get install ${missing[*]}"
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# --- Debian packages -------------------------------------------------------------------
if ! command -v ldapsearch >/dev/null 2>&1 || ! command -v ldappasswd >/dev/null 2>&1; then
    apt_install ldap-utils
fi

# curl: the HTTPS test talks to the panel as a plain TLS client would.
if ! command -v curl >/dev/null 2>&1; then
    apt_install curl ca-certificates
fi

python_ok() {
    command -v python3 >/dev/null 2>&1 && python3 -c 'import venv, ensurepip' >/dev/null 2>&1
}
if ! python_ok; then
    apt_install python3 python3-venv
fi

# --- Python packages (virtualenv) ------------------------------------------------------
stamp="$VENV/.requirements.sha256"
want="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python3" ]; then
    log "creating $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
fi
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ] \
    || ! "$VENV/bin/python3" -c 'import ldap3, aiosmtpd' >/dev/null 2>&1; then
    log "pip install -r $REQUIREMENTS"
    "$VENV/bin/python3" -m pip install --quiet --disable-pip-version-check --no-input \
        --require-hashes --only-binary=:all: -r "$REQUIREMENTS"
    printf '%s\n' "$want" >"$stamp"
fi

# --- Browser test (admin panel) -------------------------------------------------------
E2E_WEB="admin-web/e2e"
if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium
fi
# A CJK font, so screenshots of zh-CN pages show characters rather than boxes (a small one:
# the tests read text from the DOM, the screenshots are for people).
apt_install fonts-wqy-microhei
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm
fi
web_stamp="$E2E_WEB/node_modules/.orgdir-lock.sha256"
web_want="$(sha256sum "$E2E_WEB/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$web_stamp" 2>/dev/null || true)" != "$web_want" ] \
    || [ ! -f "$E2E_WEB/node_modules/playwright-core/package.json" ]; then
    log "npm ci in $E2E_WEB"
    (cd "$E2E_WEB" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit \
        --no-fund --loglevel=error)
    printf '%s\n' "$web_want" >"$web_stamp"
fi

# --- Office suite (tests/e2e/office.rs) ------------------------------------------------
if ! command -v soffice >/dev/null 2>&1; then
    apt_install libreoffice-calc-nogui
fi

# --- Rust components -------------------------------------------------------------------
if command -v rustup >/dev/null 2>&1; then
    for component in rustfmt clippy; do
        tool="cargo-fmt"
        [ "$component" = clippy ] && tool="cargo-clippy"
        if ! command -v "$tool" >/dev/null 2>&1; then
            log "rustup component add $component"
            rustup component add "$component"
        fi
    done
fi

log "ok: $(command -v ldapsearch), $("$VENV/bin/python3" -c 'import ldap3, sys; print("python", sys.version.split()[0], "ldap3", ldap3.__version__)'), /usr/bin/chromium, $(command -v soffice), node $(node --version), playwright-core $(node -p "require('./$E2E_WEB/node_modules/playwright-core/package.json').version")"
