#!/usr/bin/env bash
# Make sure the PostgreSQL server binaries (initdb, postgres) are installed for the
# test suite, whose fixture (tests/fixtures/postgres.py) starts its own throwaway
# cluster on a free port.
#
# When they are missing and we are root (or passwordless sudo works), installs
# Debian's `postgresql` package. Service starts are refused for the duration of
# the install, so the package does not leave its `main` cluster running on 5432.
# When it cannot install, prints one line and exits 0: the PostgreSQL tests are
# then skipped locally, and fail where CI=true.
#
# Silent when everything is already there.
set -euo pipefail

readonly POLICY_RC_D=/usr/sbin/policy-rc.d

have_server_binaries() {
    local bin_dir
    for bin_dir in /usr/lib/postgresql/*/bin; do
        if [[ -x "$bin_dir/initdb" && -x "$bin_dir/postgres" ]]; then
            return 0
        fi
    done
    command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1
}

give_up() {
    echo "ensure-postgres: $1; the PostgreSQL tests will be skipped (and fail where CI=true)." >&2
    exit 0
}

if have_server_binaries; then
    exit 0
fi

if [[ $EUID -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    give_up "PostgreSQL server binaries not found, and installing them needs root"
fi

if ! command -v apt-get >/dev/null 2>&1; then
    give_up "PostgreSQL server binaries not found, and there is no apt-get to install them"
fi

log=$(mktemp -t ensure-postgres.XXXXXX.log)
created_policy=false

cleanup() {
    if [[ $created_policy == true ]]; then
        "${as_root[@]}" rm -f "$POLICY_RC_D"
    fi
}
trap cleanup EXIT

# Exit status 101 from policy-rc.d tells invoke-rc.d / deb-systemd-invoke not to
# start services. An existing policy (Docker images ship one) is left alone.
if [[ ! -e $POLICY_RC_D ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$POLICY_RC_D" >/dev/null
    "${as_root[@]}" chmod 755 "$POLICY_RC_D"
    created_policy=true
fi

apt_options=(-q -y -o DPkg::Lock::Timeout=300)
if ! {
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get "${apt_options[@]}" update &&
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get "${apt_options[@]}" install --no-install-recommends postgresql
} >"$log" 2>&1; then
    give_up "installing Debian's postgresql package failed (log: $log)"
fi

if ! have_server_binaries; then
    give_up "Debian's postgresql package installed no initdb/postgres (log: $log)"
fi

rm -f "$log"
echo "ensure-postgres: installed Debian's PostgreSQL server package."
