#!/usr/bin/env bash
# Real-consumer checks: start a demo orgdir and drive real LDAP consumers against it.
#
#   scripts/test-consumers.sh [PATH-TO-ORGDIR]      (default: target/debug/orgdir of this repo)
#
# Consumers (configuration templates in tests/consumers/, explained in docs/integrations/):
#   - Dovecot 2.3: passdb ldap (search as the reader, then bind as the member) and userdb ldap;
#     checked with `doveadm auth test` and `doveadm user`.
#   - FreeRADIUS 3.2: rlm_ldap, PAP by LDAP bind (Auth-Type LDAP), LDAP-Group; checked with
#     `radtest`.
#   - Postfix: ldap: tables (virtual mailboxes, group aliases, sender logins) over LDAPS;
#     checked with `postmap -q` (no Postfix daemon runs).
#   - Linux host: nslcd + libnss-ldapd; `getent` and `id` run in a private mount namespace
#     where /etc/nsswitch.conf and /etc/nslcd.conf are bind-mounted from the temp dir, so the
#     machine's real NSS configuration is never touched. Without mount namespaces the check
#     falls back to issuing nslcd's own searches with ldapsearch (and says so).
#
# Needs root (Dovecot, FreeRADIUS, mount namespaces) and Debian/Ubuntu: missing packages are
# installed with apt-get (apt-get update only when something is missing). Installing them
# does not enable them in NSS; on a systemd machine the packaged daemons may start with
# their stock configuration (they do not use the ports used here).
# Everything runs on 127.0.0.1 under one temp dir; every background process is stopped on
# exit. Set KEEP_TMP=1 to keep the temp dir for inspection.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TEMPLATES=$HERE/tests/consumers
ORGDIR=${1:-$HERE/target/debug/orgdir}
WAIT_SECONDS=${WAIT_SECONDS:-30}

if [[ ! -x $ORGDIR ]]; then
	echo "orgdir binary not found or not executable: $ORGDIR (build it with: cargo build -p orgdir)" >&2
	exit 2
fi
ORGDIR=$(cd "$(dirname "$ORGDIR")" && pwd)/$(basename "$ORGDIR")
if [[ $(id -u) -ne 0 ]]; then
	echo "run as root: Dovecot, FreeRADIUS and the private mount namespace need it" >&2
	exit 2
fi

# --- packages -------------------------------------------------------------------------------
PACKAGES=(ldap-utils dovecot-core dovecot-ldap freeradius freeradius-ldap freeradius-utils
	postfix postfix-ldap nslcd libnss-ldapd util-linux)
missing=()
for p in "${PACKAGES[@]}"; do
	if [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) != installed ]]; then
		missing+=("$p")
	fi
done
if ((${#missing[@]})); then
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- temp dir, processes, cleanup -------------------------------------------------------------
T=$(mktemp -d /tmp/orgdir-consumers.XXXXXX)
chmod 755 "$T" # the consumers' unprivileged helpers read their configuration below it
PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		# bounded: wait up to 5 s, then SIGKILL
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [[ ${KEEP_TMP:-0} == 1 ]]; then
		echo "kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for DESCRIPTION COMMAND...: poll COMMAND until it succeeds (0), at most WAIT_SECONDS;
# status 2 from COMMAND means "will never succeed" (the process died) and stops at once.
wait_for() {
	local what=$1 deadline=$((SECONDS + WAIT_SECONDS)) rc
	shift
	while true; do
		rc=0
		"$@" || rc=$?
		((rc == 0)) && return 0
		if ((rc == 2)); then
			echo "gave up waiting for $what: the process exited" >&2
			return 2
		fi
		if ((SECONDS >= deadline)); then
			echo "timed out after ${WAIT_SECONDS}s waiting for $what" >&2
			return 1
		fi
		sleep 0.1
	done
}
alive() { kill -0 "$1" 2>/dev/null; }

# render TEMPLATE DEST WORK: fill in the placeholders of tests/consumers/*.in
render() {
	sed -e "s|@LDAP_PORT@|$LDAP_PORT|g" -e "s|@LDAPS_PORT@|$LDAPS_PORT|g" \
		-e "s|@CA_FILE@|$CA_FILE|g" -e "s|@WORK@|$3|g" -e "s|@RADIUS_PORT@|${RADIUS_PORT:-0}|g" \
		"$TEMPLATES/$1" >"$2"
}

PASSED=0
FAILED=0
# check NAME LOGFILE... -- COMMAND...: run one check; on failure show its output and the
# tail of each log.
check() {
	local name=$1 logs=() out
	shift
	while [[ $1 != -- ]]; do logs+=("$1"); shift; done
	shift
	if out=$("$@" 2>&1); then
		PASSED=$((PASSED + 1))
		printf 'PASS  %s\n' "$name"
	else
		FAILED=$((FAILED + 1))
		printf 'FAIL  %s\n' "$name"
		printf '%s\n' "$out" | tail -n 20 | sed 's/^/      | /'
		local l
		for l in "${logs[@]}" "$T/orgdir.log"; do
			[[ -f $l ]] || continue
			echo "      --- tail of $l"
			tail -n 25 "$l" | sed 's/^/      | /'
		done
	fi
}
# expect PATTERN COMMAND...: COMMAND succeeds and its output matches the extended regex.
expect() {
	local pat=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	printf '%s\n' "$out"
	[[ $rc -eq 0 ]] || { echo "exit status $rc"; return 1; }
	grep -Eq -- "$pat" <<<"$out" || { echo "output does not match: $pat"; return 1; }
}
# expect_fail PATTERN COMMAND...: COMMAND fails and its output matches PATTERN (so a crash or
# a connection error is not mistaken for a rejection).
expect_fail() {
	local pat=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	printf '%s\n' "$out"
	[[ $rc -ne 0 ]] || { echo "succeeded, expected a failure"; return 1; }
	grep -Eq -- "$pat" <<<"$out" || { echo "output does not match: $pat"; return 1; }
}

# --- orgdir -----------------------------------------------------------------------------------
echo "orgdir: $ORGDIR (temp dir $T)"
ORGDIR_LDAP_LISTEN=127.0.0.1:0 ORGDIR_LDAP_LDAPS_LISTEN=127.0.0.1:0 ORGDIR_HTTP_LISTEN=127.0.0.1:0 \
	"$ORGDIR" serve --demo --data-dir "$T/orgdir" --ready-file "$T/ready.json" >"$T/orgdir.log" 2>&1 &
ORGDIR_PID=$!
PIDS+=("$ORGDIR_PID")
orgdir_ready() {
	alive "$ORGDIR_PID" || { echo "orgdir exited:" >&2; tail -n 20 "$T/orgdir.log" >&2; exit 1; }
	[[ -s $T/ready.json ]]
}
wait_for "orgdir's ready file" orgdir_ready
json_field() { sed -n "s/.*\"$1\": *\"\\([^\"]*\\)\".*/\\1/p" "$T/ready.json"; }
LDAP_PORT=$(json_field ldap | sed 's/.*://')
LDAPS_PORT=$(json_field ldaps | sed 's/.*://')
CA_FILE=$(json_field ca_cert)
[[ -n $LDAP_PORT && -n $LDAPS_PORT && -f $CA_FILE ]] || { echo "bad ready file:"; cat "$T/ready.json"; exit 1; }
echo "orgdir: ldap 127.0.0.1:$LDAP_PORT, ldaps 127.0.0.1:$LDAPS_PORT, CA $CA_FILE"

# --- Dovecot ----------------------------------------------------------------------------------
DV=$T/dovecot
mkdir -p "$DV/run" "$DV/state"
render dovecot/dovecot.conf.in "$DV/dovecot.conf" "$DV"
render dovecot/dovecot-ldap.conf.ext.in "$DV/dovecot-ldap.conf.ext" "$DV"
dovecot -F -c "$DV/dovecot.conf" >"$DV/stdout.log" 2>&1 &
DV_PID=$!
PIDS+=("$DV_PID")
dovecot_ready() {
	alive "$DV_PID" || { cat "$DV/stdout.log" "$DV/dovecot.log" >&2 2>/dev/null; return 2; }
	[[ -S $DV/run/auth-client && -S $DV/run/auth-userdb ]]
}
DOVEADM=(timeout 30 doveadm -c "$DV/dovecot.conf")
if wait_for "dovecot's auth sockets" dovecot_ready; then
	check "dovecot: 10001 authenticates (search as reader, bind as member, StartTLS)" "$DV/dovecot.log" -- \
		expect 'auth succeeded' "${DOVEADM[@]}" auth test 10001 Passw0rd-10001
	check "dovecot: login by mail address zhang.wei@example.com" "$DV/dovecot.log" -- \
		expect 'auth succeeded' "${DOVEADM[@]}" auth test zhang.wei@example.com Passw0rd-10001
	check "dovecot: wrong password fails" "$DV/dovecot.log" -- \
		expect_fail 'auth failed' "${DOVEADM[@]}" auth test 10001 Wrong-Passw0rd
	check "dovecot: disabled member 10050 fails" "$DV/dovecot.log" -- \
		expect_fail 'auth failed' "${DOVEADM[@]}" auth test 10050 Passw0rd-10050
	check "dovecot: hidden member 10049 authenticates (reader sees hidden members)" "$DV/dovecot.log" -- \
		expect 'auth succeeded' "${DOVEADM[@]}" auth test 10049 Passw0rd-10049
	check "dovecot: unknown user fails" "$DV/dovecot.log" -- \
		expect_fail 'auth failed' "${DOVEADM[@]}" auth test 99999 Passw0rd-99999
	check "dovecot: passdb lookup 10001" "$DV/dovecot.log" -- \
		expect 'user +: 10001' "${DOVEADM[@]}" auth lookup 10001
	dovecot_user() {
		local out
		out=$("${DOVEADM[@]}" user 10001) || { echo "$out"; return 1; }
		echo "$out"
		grep -Eq '^home[[:space:]]+/home/10001$' <<<"$out" &&
			grep -Eq '^uid[[:space:]]+10001$' <<<"$out" &&
			grep -Eq '^gid[[:space:]]+10001$' <<<"$out"
	}
	check "dovecot: userdb 10001 has home /home/10001, uid 10001, gid 10001" "$DV/dovecot.log" -- dovecot_user
else
	check "dovecot: start" "$DV/stdout.log" "$DV/dovecot.log" -- false
fi

# --- FreeRADIUS -------------------------------------------------------------------------------
FR=$T/freeradius
mkdir -p "$FR/mods-enabled" "$FR/sites-enabled" "$FR/log" "$FR/run"
FR_PID=
fr_ready() {
	grep -q 'Ready to process requests' "$FR/debug.log" && return 0
	alive "$FR_PID" || return 2
	return 1
}
fr_started=no
for _ in 1 2 3 4 5; do # a random high port; try another if it is taken
	RADIUS_PORT=$((20000 + RANDOM % 40000))
	render freeradius/radiusd.conf.in "$FR/radiusd.conf" "$FR"
	render freeradius/ldap.in "$FR/mods-enabled/ldap" "$FR"
	render freeradius/default.in "$FR/sites-enabled/default" "$FR"
	freeradius -X -d "$FR" >"$FR/debug.log" 2>&1 &
	FR_PID=$!
	PIDS+=("$FR_PID")
	rc=0
	wait_for "FreeRADIUS to be ready" fr_ready || rc=$?
	if [[ $rc -eq 0 ]]; then fr_started=yes; break; fi
	kill "$FR_PID" 2>/dev/null || true
	grep -q 'Failed binding\|Address already in use' "$FR/debug.log" || break
done
RADTEST() { timeout 30 radtest "$1" "$2" "127.0.0.1:$RADIUS_PORT" 0 testing123; }
if [[ $fr_started == yes ]]; then
	check "freeradius: 10001 gets Access-Accept (rlm_ldap bind, StartTLS)" "$FR/debug.log" -- \
		expect 'Received Access-Accept' RADTEST 10001 Passw0rd-10001
	check "freeradius: LDAP-Group engineering matches 10001" "$FR/debug.log" -- \
		expect 'Reply-Message = "orgdir group engineering"' RADTEST 10001 Passw0rd-10001
	check "freeradius: wrong password gets Access-Reject" "$FR/debug.log" -- \
		expect_fail 'Received Access-Reject' RADTEST 10001 Wrong-Passw0rd
	check "freeradius: disabled member 10050 gets Access-Reject" "$FR/debug.log" -- \
		expect_fail 'Received Access-Reject' RADTEST 10050 Passw0rd-10050
	not_in_engineering() {
		local out
		out=$(RADTEST 10003 Passw0rd-10003) || { echo "$out"; return 1; }
		echo "$out"
		grep -q 'Received Access-Accept' <<<"$out" && ! grep -q 'Reply-Message' <<<"$out"
	}
	check "freeradius: 10003 (finance) accepted without the engineering reply" "$FR/debug.log" -- \
		not_in_engineering
else
	check "freeradius: start" "$FR/debug.log" -- false
fi

# --- Postfix (postmap only) -------------------------------------------------------------------
PF=$T/postfix
mkdir -p "$PF"
: >"$PF/main.cf" # postmap -c needs a main.cf; the defaults are enough
for m in virtual-mailboxes group-aliases sender-login; do
	render "postfix/$m.cf.in" "$PF/$m.cf" "$PF"
done
POSTMAP() { timeout 30 postmap -c "$PF" -q "$1" "ldap:$PF/$2.cf"; }
check "postfix: virtual mailbox of zhang.wei@example.com is 10001/Maildir/ (LDAPS)" -- \
	expect '^10001/Maildir/$' POSTMAP zhang.wei@example.com virtual-mailboxes
postmap_unknown() {
	local out rc=0
	out=$(POSTMAP nobody@example.com virtual-mailboxes 2>&1) || rc=$?
	echo "$out"
	[[ $rc -eq 1 && -z $out ]] # 1 = not found, without errors
}
check "postfix: unknown address has no mailbox" -- postmap_unknown
check "postfix: group alias engineering@example.com expands to members' mail" -- \
	expect '(^|,)zhang\.wei@example\.com(,|$)' POSTMAP engineering@example.com group-aliases
check "postfix: sender login of zhang.wei@example.com is 10001" -- \
	expect '^10001$' POSTMAP zhang.wei@example.com sender-login

# --- Linux host: nslcd + NSS in a private mount namespace -----------------------------------
NS=$T/nslcd
mkdir -p "$NS"
render nslcd/nslcd.conf.in "$NS/nslcd.conf" "$NS"
chmod 600 "$NS/nslcd.conf"
printf 'passwd: files ldap\ngroup: files ldap\nshadow: files\n' >"$NS/nsswitch.conf"
cat >"$NS/inner.sh" <<EOF
# Runs inside 'unshare --mount': these mounts are invisible outside this namespace.
set -u
mount --bind "$NS/nsswitch.conf" /etc/nsswitch.conf
mount --bind "$NS/nslcd.conf" /etc/nslcd.conf
mount -t tmpfs orgdir-consumers /run   # private /run/nslcd (socket, pid), no host nscd
mkdir -p /run/nslcd
nslcd -d >"$NS/nslcd.log" 2>&1 &
NSLCD_PID=\$!
trap 'kill \$NSLCD_PID 2>/dev/null; wait \$NSLCD_PID 2>/dev/null' EXIT
for _ in \$(seq $((WAIT_SECONDS * 10))); do [ -S /run/nslcd/socket ] && break; sleep 0.1; done
[ -S /run/nslcd/socket ] || { echo "nslcd did not start"; exit 1; }
echo "== getent passwd 10001";     getent passwd 10001;      echo "rc=\$?"
echo "== getent passwd 10050";     getent passwd 10050;      echo "rc=\$?"
echo "== getent passwd nobody-x";  getent passwd nobody-x;   echo "rc=\$?"
echo "== getent group engineering"; getent group engineering; echo "rc=\$?"
echo "== id 10001";                id 10001;                 echo "rc=\$?"
echo "== enumerate";               getent passwd | grep -Ec '^100[0-9][0-9]:' ; echo "rc=\$?"
EOF
if unshare --mount --propagation private true 2>/dev/null; then
	timeout $((WAIT_SECONDS + 60)) unshare --mount --propagation private bash "$NS/inner.sh" >"$NS/results.txt" 2>&1 || true
	section() { awk -v s="== $1" '$0==s{on=1;next} /^== /{on=0} on' "$NS/results.txt"; }
	nss_expect() { # SECTION PATTERN
		local out
		out=$(section "$1")
		echo "$out"
		grep -Eq -- "$2" <<<"$out"
	}
	check "nslcd: getent passwd 10001 via NSS" "$NS/results.txt" "$NS/nslcd.log" -- \
		nss_expect 'getent passwd 10001' '^10001:\*:10001:10001:Zhang Wei:/home/10001:/bin/bash$'
	check "nslcd: unknown user is not found" "$NS/results.txt" "$NS/nslcd.log" -- \
		nss_expect 'getent passwd nobody-x' '^rc=2$'
	check "nslcd: getent group engineering lists 10001" "$NS/results.txt" "$NS/nslcd.log" -- \
		nss_expect 'getent group engineering' '^engineering:\*:60000:(.*,)?10001(,|$)'
	check "nslcd: id 10001 includes group 60000(engineering)" "$NS/results.txt" "$NS/nslcd.log" -- \
		nss_expect 'id 10001' '^uid=10001\(10001\) gid=10001 .*60000\(engineering\)'
	check "nslcd: enumeration (paged) returns all 50 members" "$NS/results.txt" "$NS/nslcd.log" -- \
		nss_expect 'enumerate' '^50$'
else
	echo "note: mount namespaces unavailable; checking nslcd's searches with ldapsearch instead"
	LS=(timeout 30 ldapsearch -LLL -x -ZZ -H "ldap://127.0.0.1:$LDAP_PORT"
		-D cn=reader,cn=services,dc=example,dc=com -w Reader-Passw0rd -b dc=example,dc=com)
	export LDAPTLS_CACERT=$CA_FILE LDAPTLS_REQCERT=demand
	check "nslcd searches (ldapsearch): passwd by name" -- \
		expect '^homeDirectory: /home/10001$' "${LS[@]}" '(&(objectClass=posixAccount)(uid=10001))' \
		uid userPassword uidNumber gidNumber gecos cn homeDirectory loginShell objectClass
	check "nslcd searches (ldapsearch): passwd by uidNumber" -- \
		expect '^uid: 10001$' "${LS[@]}" '(&(objectClass=posixAccount)(uidNumber=10001))' uid
	check "nslcd searches (ldapsearch): groups of a member" -- \
		expect '^cn: engineering$' "${LS[@]}" \
		'(&(objectClass=posixGroup)(|(memberUid=10001)(member=uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com)))' cn gidNumber
	paged_count() {
		local n
		n=$("${LS[@]}" -E pr=10/noprompt '(objectClass=posixAccount)' uid | grep -c '^uid: ') || true
		echo "$n entries"
		[[ $n == 50 ]]
	}
	check "nslcd searches (ldapsearch): paged enumeration returns 50" -- paged_count
fi

# --- summary ----------------------------------------------------------------------------------
echo "consumers: $PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
