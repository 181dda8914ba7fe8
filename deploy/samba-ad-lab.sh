#!/usr/bin/env bash
# samba-ad-lab.sh: a throwaway Samba Active Directory domain controller on
# loopback, for fedgate's integration tests (`make test-ad`, .ci/run) and for
# anyone who wants a lab AD to point fedgate at.
#
#   deploy/samba-ad-lab.sh start    provision and start (no-op if already running)
#   deploy/samba-ad-lab.sh stop     stop by PID (no-op if not running)
#   deploy/samba-ad-lab.sh status   exit 0 if running
#   deploy/samba-ad-lab.sh env      print the env file (KEY='value' lines)
#
# Environment: ADDIR (default /tmp/fedgate-ad) holds everything: smb.conf,
# the directory database, the PKI, logs, the PID file and $ADDIR/env, which
# the Go suite reads (FEDGATE_AD_ENV=$ADDIR/env). Nothing under /etc/samba or
# /var/lib/samba is touched. Needs root (Samba's AD DC runs as root) and, if
# Samba is missing, apt-get.
#
# Domain: realm CORP.CONTOSO.TEST, NetBIOS CORP, base DC=corp,DC=contoso,DC=test,
# with the extra UPN suffix contoso.test that every lab user's UPN uses.
# Listens on 127.0.0.1 and ::1 only: LDAPS on 636, StartTLS on 389 (plain
# simple binds on 389 are refused: "ldap server require strong auth" stays
# at its default). The DC's certificate comes from a CA made here, with SANs
# for dc1.corp.contoso.test, localhost, 127.0.0.1 and ::1, because Samba's
# self-generated certificate has no SAN and Go refuses it.
#
# Password policy: lockout after 5 bad passwords, until an administrator
# unlocks the account (duration 0), so the suite can show AD's own lockout.
# The database uses the LMDB backend, which (like AD's ESE) lets searches
# run while a bind writes logon statistics; the default TDB backend
# serialises them, which would understate what the DC can do.
#
#   account      password              state
#   -----------  --------------------  ---------------------------------------------
#   svc-fedgate  Svc-Lab-Passw0rd!     service account used for searches
#   alice        Al1ce-Lab-Passw0rd!   normal; mail alice.mail@contoso.test (alternate
#                                      login ID); member of Finance, which is a member
#                                      of "O365 Users" (nested membership)
#   bob          B0b-Lab-Passw0rd!     normal; mS-DS-ConsistencyGuid = the 16 ASCII
#                                      bytes "fedgate-lab-guid"; the suite locks and
#                                      unlocks him to show AD lockout (775)
#   carol        C4rol-Lab-Passw0rd!   disabled (533)
#   dave         D4ve-Lab-Passw0rd!    must change password at next logon (773)
#   erin         Er1n-Lab-Passw0rd!    account expired (701)
#   frank        Fr4nk-Lab-Passw0rd!   locked out by 5 bad binds during start (775)
#   tricky       Tr1cky-Lab-Passw0rd!  UPN "tri*cky(1)@contoso.test": filter
#                                      metacharacters that must match literally
#   Administrator Adm1n-Lab-Passw0rd!  domain admin; the suite uses it only to unlock bob
#
# Every user's UPN is <name>@contoso.test (samba-tool sets <name>@corp.contoso.test;
# the script replaces it over LDAPS).
set -euo pipefail

ADDIR=${ADDIR:-/tmp/fedgate-ad}
REALM=CORP.CONTOSO.TEST
DOMAIN=CORP
BASE_DN=DC=corp,DC=contoso,DC=test
UPN_SUFFIX=contoso.test
ADMIN_PASSWORD='Adm1n-Lab-Passw0rd!'
SVC_PASSWORD='Svc-Lab-Passw0rd!'
LOCKOUT_THRESHOLD=5
MARKER=.fedgate-ad-lab
CONF=$ADDIR/etc/smb.conf
PIDFILE=$ADDIR/run/samba.pid

die() { echo "samba-ad-lab: $*" >&2; exit 1; }
say() { echo "samba-ad-lab: $*"; }

# Refuse to rm -rf anything that is not clearly ours.
check_addir() {
  case "$ADDIR" in
    /*) ;;
    *) die "ADDIR must be an absolute path, got '$ADDIR'" ;;
  esac
  [ "$ADDIR" != / ] || die "ADDIR must not be /"
  if [ -e "$ADDIR" ] && [ ! -e "$ADDIR/$MARKER" ] && [ -n "$(ls -A "$ADDIR" 2>/dev/null)" ]; then
    die "$ADDIR exists, is not empty and was not made by this script; set ADDIR to another path"
  fi
}

running_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

ldaps_ready() {
  LDAPTLS_CACERT=$ADDIR/pki/ca.pem ldapsearch -LLL -x -o nettimeout=2 -H ldaps://127.0.0.1 \
    -s base -b '' dnsHostName >/dev/null 2>&1
}

# ldapmod runs ldapmodify over LDAPS as Administrator with LDIF on stdin.
ldapmod() {
  LDAPTLS_CACERT=$ADDIR/pki/ca.pem ldapmodify -H ldaps://127.0.0.1 -x \
    -D "Administrator@$REALM" -w "$ADMIN_PASSWORD" >/dev/null
}

# bind_as NAME PASSWORD: one LDAPS simple bind; prints the server's answer.
bind_as() {
  LDAPTLS_CACERT=$ADDIR/pki/ca.pem ldapsearch -LLL -x -H ldaps://127.0.0.1 \
    -D "$1" -w "$2" -s base -b '' dnsHostName 2>&1 || true
}

install_samba() {
  command -v samba-tool >/dev/null && command -v ldapmodify >/dev/null && return 0
  say "installing samba and ldap-utils with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q samba ldap-utils >/dev/null; then
    apt-get update -q >/dev/null
    apt-get install -y -q samba ldap-utils >/dev/null
  fi
}

make_pki() {
  local pki=$ADDIR/pki
  mkdir -p "$pki"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 \
      -subj '/CN=fedgate Samba AD lab CA' 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout dc.key -out dc.csr \
      -subj '/CN=dc1.corp.contoso.test' 2>/dev/null
    printf 'subjectAltName=DNS:dc1.corp.contoso.test,DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n' >ext.cnf
    openssl x509 -req -in dc.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out dc.pem -days 30 \
      -extfile ext.cnf 2>/dev/null
    chmod 600 ca.key dc.key # Samba refuses a key readable by others
    rm -f dc.csr ext.cnf
  )
}

provision() {
  samba-tool domain provision --targetdir="$ADDIR" \
    --realm="$REALM" --domain="$DOMAIN" --server-role=dc --dns-backend=NONE --backend-store=mdb \
    --adminpass="$ADMIN_PASSWORD" --host-name=dc1 \
    --option="interfaces=lo" --option="bind interfaces only=yes" \
    --option="server services=ldap" \
    --option="pid directory=$ADDIR/run" --option="ncalrpc dir=$ADDIR/run/ncalrpc" \
    --option="winbindd socket directory=$ADDIR/run/winbindd" \
    --option="lock directory=$ADDIR/run/lock" --option="state directory=$ADDIR/state" \
    --option="cache directory=$ADDIR/cache" \
    --option="log file=$ADDIR/log/samba.log" \
    --option="tls enabled=yes" --option="tls keyfile=$ADDIR/pki/dc.key" \
    --option="tls certfile=$ADDIR/pki/dc.pem" --option="tls cafile=$ADDIR/pki/ca.pem" \
    --option="prefork children=2" >"$ADDIR/log/provision.log" 2>&1 ||
    die "provision failed; see $ADDIR/log/provision.log"
}

# Users, groups and policy are written with samba-tool straight into the
# database, before the daemon starts.
populate() {
  local S=(-s "$CONF")
  samba-tool domain passwordsettings set "${S[@]}" \
    --account-lockout-threshold=$LOCKOUT_THRESHOLD --account-lockout-duration=0 \
    --reset-account-lockout-after=30 >/dev/null
  samba-tool user create svc-fedgate "$SVC_PASSWORD" --given-name=svc --surname=fedgate "${S[@]}" >/dev/null
  samba-tool user create alice 'Al1ce-Lab-Passw0rd!' --given-name=Alice --surname=Anderson \
    --mail-address=alice.mail@contoso.test "${S[@]}" >/dev/null
  samba-tool user create bob 'B0b-Lab-Passw0rd!' --given-name=Bob --surname=Baker \
    --mail-address=bob@contoso.test "${S[@]}" >/dev/null
  samba-tool user create carol 'C4rol-Lab-Passw0rd!' --given-name=Carol --surname=Clark "${S[@]}" >/dev/null
  samba-tool user disable carol "${S[@]}" >/dev/null
  samba-tool user create dave 'D4ve-Lab-Passw0rd!' --given-name=Dave --surname=Davis \
    --must-change-at-next-login "${S[@]}" >/dev/null
  samba-tool user create erin 'Er1n-Lab-Passw0rd!' --given-name=Erin --surname=Evans "${S[@]}" >/dev/null
  samba-tool user setexpiry erin --days=0 "${S[@]}" >/dev/null
  samba-tool user create frank 'Fr4nk-Lab-Passw0rd!' --given-name=Frank --surname=Foster "${S[@]}" >/dev/null
  samba-tool user create tricky 'Tr1cky-Lab-Passw0rd!' --use-username-as-cn "${S[@]}" >/dev/null
  samba-tool group add Finance "${S[@]}" >/dev/null
  samba-tool group add 'O365 Users' "${S[@]}" >/dev/null
  samba-tool group addmembers Finance alice "${S[@]}" >/dev/null
  samba-tool group addmembers 'O365 Users' Finance "${S[@]}" >/dev/null
}

# Attributes samba-tool cannot set are written over LDAPS once the DC runs.
customise() {
  local u upn
  {
    printf 'dn: CN=Partitions,CN=Configuration,%s\nchangetype: modify\nadd: uPNSuffixes\nuPNSuffixes: %s\n\n' \
      "$BASE_DN" "$UPN_SUFFIX"
    for u in svc-fedgate alice bob carol dave erin frank tricky; do
      upn="$u@$UPN_SUFFIX"
      [ "$u" = tricky ] && upn="tri*cky(1)@$UPN_SUFFIX"
      printf 'dn: %s\nchangetype: modify\nreplace: userPrincipalName\nuserPrincipalName: %s\n\n' \
        "$(user_dn "$u")" "$upn"
    done
    # "fedgate-lab-guid" (16 bytes), base64 ZmVkZ2F0ZS1sYWItZ3VpZA==
    printf 'dn: %s\nchangetype: modify\nreplace: mS-DS-ConsistencyGuid\nmS-DS-ConsistencyGuid:: ZmVkZ2F0ZS1sYWItZ3VpZA==\n\n' \
      "$(user_dn bob)"
  } | ldapmod || die "ldapmodify failed"
}

# user_dn SAM prints the DN samba-tool gave the account.
user_dn() {
  case "$1" in
    svc-fedgate) echo "CN=svc fedgate,CN=Users,$BASE_DN" ;;
    alice) echo "CN=Alice Anderson,CN=Users,$BASE_DN" ;;
    bob) echo "CN=Bob Baker,CN=Users,$BASE_DN" ;;
    carol) echo "CN=Carol Clark,CN=Users,$BASE_DN" ;;
    dave) echo "CN=Dave Davis,CN=Users,$BASE_DN" ;;
    erin) echo "CN=Erin Evans,CN=Users,$BASE_DN" ;;
    frank) echo "CN=Frank Foster,CN=Users,$BASE_DN" ;;
    tricky) echo "CN=tricky,CN=Users,$BASE_DN" ;;
  esac
}

lock_frank() {
  local i out
  for i in $(seq 1 $LOCKOUT_THRESHOLD); do
    bind_as "$(user_dn frank)" "wrong-password-$i" >/dev/null
  done
  out=$(bind_as "$(user_dn frank)" 'Fr4nk-Lab-Passw0rd!')
  case "$out" in
    *"data 775"*) ;;
    *) die "frank is not locked out after $LOCKOUT_THRESHOLD bad binds: $out" ;;
  esac
}

write_env() {
  local tmp=$ADDIR/env.tmp
  umask 077
  cat >"$tmp" <<EOF
# Samba AD lab written by deploy/samba-ad-lab.sh; read by ldapauth's Samba suite
# (FEDGATE_AD_ENV=$ADDIR/env). Lab-only credentials.
FEDGATE_AD_LDAPS_URL='ldaps://127.0.0.1:636'
FEDGATE_AD_STARTTLS_URL='ldap://127.0.0.1:389'
FEDGATE_AD_CA_FILE='$ADDIR/pki/ca.pem'
FEDGATE_AD_BASE_DN='$BASE_DN'
FEDGATE_AD_REALM='$REALM'
FEDGATE_AD_DOMAIN='$DOMAIN'
FEDGATE_AD_UPN_SUFFIX='$UPN_SUFFIX'
FEDGATE_AD_BIND_DN='$(user_dn svc-fedgate)'
FEDGATE_AD_BIND_PASSWORD='$SVC_PASSWORD'
FEDGATE_AD_ADMIN_DN='CN=Administrator,CN=Users,$BASE_DN'
FEDGATE_AD_ADMIN_PASSWORD='$ADMIN_PASSWORD'
FEDGATE_AD_LOCKOUT_THRESHOLD='$LOCKOUT_THRESHOLD'
FEDGATE_AD_PASSWORD_ALICE='Al1ce-Lab-Passw0rd!'
FEDGATE_AD_PASSWORD_BOB='B0b-Lab-Passw0rd!'
FEDGATE_AD_PASSWORD_CAROL='C4rol-Lab-Passw0rd!'
FEDGATE_AD_PASSWORD_DAVE='D4ve-Lab-Passw0rd!'
FEDGATE_AD_PASSWORD_ERIN='Er1n-Lab-Passw0rd!'
FEDGATE_AD_PASSWORD_FRANK='Fr4nk-Lab-Passw0rd!'
FEDGATE_AD_PASSWORD_TRICKY='Tr1cky-Lab-Passw0rd!'
FEDGATE_AD_PID='$(cat "$PIDFILE")'
EOF
  mv "$tmp" "$ADDIR/env"
}

start() {
  check_addir
  if pid=$(running_pid) && ldaps_ready; then
    say "already running (pid $pid); env: $ADDIR/env"
    return 0
  fi
  install_samba
  if ( exec 3<>/dev/tcp/127.0.0.1/636 ) 2>/dev/null; then
    die "something else already listens on 127.0.0.1:636; stop it first"
  fi
  local t0=$SECONDS
  rm -rf "$ADDIR"
  mkdir -p "$ADDIR"/{etc,run,log,state,cache}
  touch "$ADDIR/$MARKER"
  make_pki
  provision
  populate
  samba -s "$CONF" -D
  local i
  for i in $(seq 1 120); do
    ldaps_ready && break
    [ "$i" -lt 120 ] || die "LDAPS did not come up; see $ADDIR/log"
    sleep 0.25
  done
  customise
  lock_frank
  write_env
  say "up in $((SECONDS - t0))s: ldaps://127.0.0.1:636, ldap://127.0.0.1:389 (StartTLS), pid $(cat "$PIDFILE")"
  say "env: $ADDIR/env"
}

# descendants PID prints the PIDs of every process below PID.
descendants() {
  local child
  for child in $(pgrep -P "$1" || true); do
    echo "$child"
    descendants "$child"
  done
}

stop() {
  local pid kids i
  if ! pid=$(running_pid); then
    say "not running"
    return 0
  fi
  # Samba's root process forks a tree of workers; note their PIDs, then
  # stop the root and make sure none outlives it.
  kids=$(descendants "$pid")
  kill "$pid"
  for i in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "pid $pid did not stop in 10s; sending SIGKILL"
    kill -9 "$pid" 2>/dev/null || true
  fi
  for i in $kids; do
    kill "$i" 2>/dev/null || true
  done
  rm -f "$PIDFILE"
  say "stopped (pid $pid)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status)
    if pid=$(running_pid); then say "running (pid $pid)"; else say "not running"; exit 1; fi ;;
  env)
    [ -f "$ADDIR/env" ] || die "no env file; run '$0 start' first"
    cat "$ADDIR/env" ;;
  *) echo "usage: $0 start|stop|status|env   (ADDIR=${ADDIR})" >&2; exit 2 ;;
esac
