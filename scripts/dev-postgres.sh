#!/usr/bin/env bash
# dev-postgres.sh — make sure a local PostgreSQL answers as postgres@127.0.0.1:5432 without a
# password, for `make run`, `make test` and .ci/run.
#
# It installs PostgreSQL from Debian's packages when it is missing, creates a cluster when there
# is none, starts the cluster when it is stopped, waits until it accepts connections, and, only
# when a connection as user postgres over 127.0.0.1 still fails, makes local and loopback
# connections trusted in pg_hba.conf (a dev/test setup: never do this on a shared server).
#
# Idempotent and silent when everything is already fine. Changing anything needs root; run as
# another user it re-runs itself through sudo when it can, and otherwise says what to do.
# It does not create the podium database: the server creates it on first start.
#
# Environment: DEV_PG_PORT (default 5432), DEV_PG_WAIT seconds (default 30).
set -euo pipefail

readonly PORT="${DEV_PG_PORT:-5432}"
readonly WAIT="${DEV_PG_WAIT:-30}"
readonly HBA_MARKER="# podium dev: trust local connections (added by scripts/dev-postgres.sh)"

note() { printf 'dev-postgres: %s\n' "$*" >&2; }
die() {
	printf 'dev-postgres: error: %s\n' "$*" >&2
	exit 1
}

# Settings in the caller's environment must not redirect the checks below elsewhere.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGSSLMODE PGOPTIONS PGPASSFILE 2>/dev/null || true

# The Debian wrappers (pg_isready, psql, pg_ctlcluster) live in /usr/bin; the sbin dirs may be
# missing from PATH when not root.
export PATH="$PATH:/usr/sbin:/sbin"

# ready: does the server on 127.0.0.1 accept connections?
ready() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p "$PORT" -t 3 >/dev/null 2>&1; }

# connect_error: empty when a password-less connection as postgres over 127.0.0.1 works,
# otherwise the error (PGPASSWORD is dropped so that only trust counts).
connect_error() {
	local out
	if out=$(env -u PGPASSWORD PGCONNECT_TIMEOUT=5 psql -X -w -h 127.0.0.1 -p "$PORT" -U postgres \
		-d postgres -Atqc 'SELECT 1' 2>&1) && [[ $out == 1 ]]; then
		return 0
	fi
	printf '%s\n' "${out:-psql failed}"
}

usable() { command -v psql >/dev/null 2>&1 && ready && [[ -z $(connect_error) ]]; }

# Fast path: nothing to do.
if usable; then
	exit 0
fi

# Everything past this point changes the system.
if [[ $(id -u) -ne 0 ]]; then
	why="no PostgreSQL server answers as postgres@127.0.0.1:$PORT without a password"
	if command -v psql >/dev/null 2>&1 && ready; then
		why="PostgreSQL on 127.0.0.1:$PORT refuses user postgres: $(connect_error | head -n 3)"
	elif ! command -v psql >/dev/null 2>&1; then
		why="PostgreSQL (psql, pg_isready) is not installed"
	fi
	if command -v sudo >/dev/null 2>&1 && { [[ -t 0 ]] || sudo -n true 2>/dev/null; }; then
		note "$why; fixing that needs root, re-running with sudo"
		exec sudo -- bash "${BASH_SOURCE[0]}" "$@"
	fi
	die "$why.
  Fixing that needs root: run 'sudo $0' (or this script as root), or point the server and the tests
  at a PostgreSQL you can use: PODIUM_DATABASE_URL=postgres://USER:PASS@HOST:PORT/podium and
  PODIUM_TEST_DATABASE_URL=postgres://USER:PASS@HOST:PORT/postgres (a role with CREATEDB)."
fi

# 1. Installed?
if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
	command -v apt-get >/dev/null 2>&1 || die "PostgreSQL is not installed and there is no apt-get to install it with; install a PostgreSQL server yourself"
	note "installing PostgreSQL from Debian's packages"
	export DEBIAN_FRONTEND=noninteractive
	# C.UTF-8 always exists on Debian: the cluster the package creates gets UTF8 encoding.
	LANG=C.UTF-8 LC_ALL=C.UTF-8 apt-get -o DPkg::Lock::Timeout=300 -qq update >/dev/null ||
		die "apt-get update failed"
	LANG=C.UTF-8 LC_ALL=C.UTF-8 apt-get -o DPkg::Lock::Timeout=300 -qq -y install postgresql >/dev/null ||
		die "apt-get install postgresql failed"
fi
command -v pg_ctlcluster >/dev/null 2>&1 || die "pg_ctlcluster not found after installing postgresql"

# 2. A cluster on our port? Columns: version name port status owner datadir logfile.
cluster_line() { pg_lsclusters --no-header 2>/dev/null | awk -v p="$PORT" '$3 == p { print; exit }'; }
line=$(cluster_line)
if [[ -z $line ]]; then
	if pg_lsclusters --no-header 2>/dev/null | grep -q .; then
		die "no PostgreSQL cluster uses port $PORT (pg_lsclusters shows: $(pg_lsclusters --no-header | awk '{print $1"/"$2" on port "$3}' | paste -sd, -)); move one to port $PORT or set PODIUM_DATABASE_URL and PODIUM_TEST_DATABASE_URL"
	fi
	ver=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' | awk -F/ '{print $5}' | sort -V | tail -n 1)
	[[ -n $ver ]] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
	note "creating cluster $ver/main on port $PORT"
	LANG=C.UTF-8 LC_ALL=C.UTF-8 pg_createcluster --port "$PORT" "$ver" main >/dev/null ||
		die "pg_createcluster $ver main failed"
	line=$(cluster_line)
	[[ -n $line ]] || die "cluster $ver/main was created but pg_lsclusters does not show it on port $PORT"
fi
read -r ver name _ status _ datadir logfile _ <<<"$line"

# 3. Running? pg_isready is the judge: "online" may be stale, "down" may be a server still
# coming up from an earlier start.
wait_ready() {
	local i
	for ((i = 0; i < WAIT * 2; i++)); do
		ready && return 0
		sleep 0.5
	done
	return 1
}
log_tail() {
	if [[ -r $logfile ]]; then
		tail -n 15 "$logfile" | sed 's/^/    /' >&2
	fi
}

if ! ready; then
	if [[ $status != online* ]]; then
		note "starting PostgreSQL cluster $ver/$name"
		if ! pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start; then
			log_tail
			die "could not start cluster $ver/$name (log: $logfile)"
		fi
	fi
	if ! wait_ready; then
		log_tail
		die "PostgreSQL cluster $ver/$name ($datadir) did not accept connections on 127.0.0.1:$PORT within ${WAIT}s (is listen_addresses set to include localhost? log: $logfile)"
	fi
fi

# 4. Reachable as postgres without a password? Only now touch pg_hba.conf.
err=$(connect_error)
if [[ -n $err ]]; then
	hba=$(pg_conftool -s "$ver" "$name" show hba_file 2>/dev/null || true)
	hba=${hba:-/etc/postgresql/$ver/$name/pg_hba.conf}
	[[ -f $hba ]] || die "cannot connect as postgres@127.0.0.1:$PORT ($err) and $hba does not exist"
	if grep -qxF "$HBA_MARKER" "$hba"; then
		die "cannot connect as postgres@127.0.0.1:$PORT although $hba already trusts local connections: $err"
	fi
	note "making local and 127.0.0.1 connections trusted in $hba (was: $(printf '%s' "$err" | head -n 1))"
	[[ -e $hba.podium-orig ]] || cp -p "$hba" "$hba.podium-orig"
	# pg_hba.conf is first-match: the trust lines go on top.
	tmp=$(mktemp "$hba.XXXXXX")
	{
		printf '%s\n' "$HBA_MARKER"
		printf '%-7s %-15s %-15s %-23s %s\n' local all all '' trust host all all 127.0.0.1/32 trust host all all ::1/128 trust
		printf '\n'
		cat "$hba"
	} >"$tmp"
	chown --reference="$hba" "$tmp"
	chmod --reference="$hba" "$tmp"
	mv -f "$tmp" "$hba"
	pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" reload || die "could not reload cluster $ver/$name"
	for ((i = 0; i < 20; i++)); do
		err=$(connect_error)
		[[ -z $err ]] && break
		sleep 0.25
	done
	[[ -z $err ]] || die "still cannot connect as postgres@127.0.0.1:$PORT after trusting local connections: $err"
fi
