# The seed topology of docs/demo.md in network namespaces, shared by scripts/demo and the
# end-to-end tests: an underlay switch, a route reflector, nodes running bagpipe-bgp and
# "containers" plugged into them. Every name starts with $TOPO (unique per run); topo_cleanup
# removes all of it and ends only the processes this file started.
#
#   topo_init TAG WORKDIR        names, work directory, cleanup list
#   topo_underlay                switch namespace with bridge br0
#   topo_host NAME ADDRESS       a namespace with ul0 = ADDRESS/24 on the switch
#   topo_gobgp_rr NAME ADDR [ARGS]  gobgpd route reflector (passive, dynamic neighbours, evpn + rtc,
#                                graceful restart); PID_NAME is its PID
#   topo_kill PID [SIGNAL]       ends a process started here and forgets its PID
#   topo_end_processes           ends every process started here (topo_cleanup does it first)
#   topo_frr_rr NAME             FRR bgpd route reflector (evpn)
#   topo_bagpipe NAME ADDR RR [BGP_LINES] [COMMON_LINES]  bagpipe-bgp with the linux driver, peering with RR
#   topo_attach NODE CONTAINER IP RT [INSTANCE]   bagpipe-rest-attach --port netns
#   wait_until SECONDS COMMAND...  polls COMMAND until it succeeds

TOPO_PIDS=()
TOPO_DAEMONS=()   # pid files of daemons that detach (FRR): not children of this shell
TOPO_NETNS=()

topo_init() {
    TOPO=$1
    TOPO_DIR=$2
    mkdir -p "$TOPO_DIR"
    chmod 755 "$TOPO_DIR"  # FRR daemons run as user frr and must reach their files
    BIN=${BIN:-$(swift build --show-bin-path)}
}

ns() { echo "$TOPO-$1"; }
in_ns() { local name=$1; shift; ip netns exec "$(ns "$name")" "$@"; }

wait_until() {
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do
        if [ $SECONDS -ge $deadline ]; then echo "timed out waiting for: $*" >&2; return 1; fi
        sleep 0.2
    done
}

topo_add_netns() {
    ip netns add "$(ns "$1")"
    TOPO_NETNS+=("$(ns "$1")")
    in_ns "$1" ip link set lo up
}

topo_underlay() {
    topo_add_netns sw
    in_ns sw ip link add br0 type bridge
    in_ns sw ip link set br0 up
}

topo_host() {
    local name=$1 address=$2
    topo_add_netns "$name"
    ip link add "$TOPO-$name" type veth peer name ul0 netns "$(ns "$name")"
    ip link set "$TOPO-$name" netns "$(ns sw)"
    in_ns sw ip link set "$TOPO-$name" master br0 up
    in_ns "$name" ip addr add "$address/24" dev ul0
    in_ns "$name" ip link set ul0 up
}

topo_start() {  # NAME LOGFILE COMMAND... : runs COMMAND in namespace NAME in the background
    local name=$1 log=$2; shift 2
    ip netns exec "$(ns "$name")" "$@" >"$log" 2>&1 &
    TOPO_PIDS+=($!)
    echo $!
}

topo_gobgp_rr() {  # NAME ADDRESS [GOBGPD_ARGS...]: graceful restart on (RFC 4724), as a production RR
    local name=$1 address=$2; shift 2
    cat >"$TOPO_DIR/gobgpd-$name.toml" <<TOML
[global.config]
  as = 64512
  router-id = "$address"
  local-address-list = ["$address"]
[[peer-groups]]
  [peer-groups.config]
    peer-group-name = "vteps"
    peer-as = 64512
  [peer-groups.transport.config]
    passive-mode = true
  [peer-groups.route-reflector.config]
    route-reflector-client = true
    route-reflector-cluster-id = "$address"
  [peer-groups.graceful-restart.config]
    enabled = true
    restart-time = 60
  [[peer-groups.afi-safis]]
    [peer-groups.afi-safis.config]
      afi-safi-name = "l2vpn-evpn"
    [peer-groups.afi-safis.mp-graceful-restart.config]
      enabled = true
  [[peer-groups.afi-safis]]
    [peer-groups.afi-safis.config]
      afi-safi-name = "rtc"
    [peer-groups.afi-safis.mp-graceful-restart.config]
      enabled = true
[[dynamic-neighbors]]
  [dynamic-neighbors.config]
    prefix = "198.51.100.0/24"
    peer-group = "vteps"
TOML
    topo_start "$name" "$TOPO_DIR/gobgpd-$name.log" gobgpd -f "$TOPO_DIR/gobgpd-$name.toml" -l info --log-plain "$@" >/dev/null
    eval "PID_$name=${TOPO_PIDS[-1]}"
    wait_until 20 in_ns "$name" gobgp global
}

topo_running() {  # PID: still running and a child of this shell (a PID that ended may be reused)
    local state ppid
    read -r _ _ state ppid _ 2>/dev/null <"/proc/$1/stat" || return 1
    [ "$ppid" = "$$" ] && [ "$state" != Z ]
}

topo_daemon_pid() {  # PIDFILE: the PID in it while that process still names the file on its command line
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 1
    tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -F -- "$1" >/dev/null && echo "$pid"
}

topo_kill() {  # PID [SIGNAL]: ends a process started here, reaps it and forgets its PID
    local pid=$1 signal=${2:-TERM} kept=() other
    if topo_running "$pid"; then kill "-$signal" "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
    for other in "${TOPO_PIDS[@]}"; do [ "$other" = "$pid" ] || kept+=("$other"); done
    TOPO_PIDS=("${kept[@]}")
}

topo_frr_rr() {
    local name=$1 address=$2
    local dir="$TOPO_DIR/frr-$name"
    mkdir -p "$dir"
    chown frr:frr "$dir"
    cat >"$dir/bgpd.conf" <<FRR
router bgp 64512
 bgp router-id $address
 bgp cluster-id $address
 no bgp default ipv4-unicast
 no bgp ebgp-requires-policy
 neighbor vteps peer-group
 neighbor vteps remote-as 64512
 bgp listen range 198.51.100.0/24 peer-group vteps
 address-family l2vpn evpn
  neighbor vteps activate
  neighbor vteps route-reflector-client
 exit-address-family
FRR
    : >"$dir/zebra.conf"
    chown frr:frr "$dir"/*.conf
    in_ns "$name" /usr/lib/frr/zebra -d -u frr -g frr -f "$dir/zebra.conf" -i "$dir/zebra.pid" -z "$dir/zserv.api" --vty_socket "$dir"
    wait_until 20 test -s "$dir/zebra.pid"
    TOPO_DAEMONS+=("$dir/zebra.pid")
    in_ns "$name" /usr/lib/frr/bgpd -d -u frr -g frr -f "$dir/bgpd.conf" -i "$dir/bgpd.pid" -z "$dir/zserv.api" --vty_socket "$dir"
    wait_until 20 test -s "$dir/bgpd.pid"
    TOPO_DAEMONS+=("$dir/bgpd.pid")
}

frr_vtysh() { local name=$1; shift; in_ns "$name" vtysh --vty_socket "$TOPO_DIR/frr-$name" -c "$*"; }

topo_bagpipe_config() {  # NAME ADDRESS RR_ADDRESS [EXTRA_BGP_LINES] [EXTRA_COMMON_LINES]
    local name=$1 address=$2 rr=$3 extra=${4:-} common=${5:-}
    cat >"$TOPO_DIR/bgp-$name.conf" <<CONF
[BGP]
local_address = $address
peers = $rr
my_as = 64512
enable_rtc = True
$extra

[API]
host = 127.0.0.1
port = 8082

[COMMON]
state_file = $TOPO_DIR/state-$name.json
$common

[DATAPLANE_DRIVER_EVPN]
dataplane_driver = linux
CONF
}

topo_bagpipe() {  # NAME ADDRESS RR_ADDRESS [EXTRA_BGP_LINES] [EXTRA_COMMON_LINES]: starts bagpipe-bgp, waits for its API
    local name=$1
    topo_bagpipe_config "$@"
    # Not $(topo_start ...): a subshell would record the PID where topo_cleanup never sees it.
    topo_start "$name" "$TOPO_DIR/bagpipe-$name.log" "$BIN/bagpipe-bgp" --config-file "$TOPO_DIR/bgp-$name.conf" --log-level debug >/dev/null
    eval "PID_$name=${TOPO_PIDS[-1]}"
    wait_until 30 in_ns "$name" curl -sf http://127.0.0.1:8082/ping
}

topo_container() {  # NAME: a container namespace, created from the root mount namespace (interop.md gotcha 5)
    ip netns add "$(ns "$1")"
    TOPO_NETNS+=("$(ns "$1")")
}

topo_attach() {  # NODE CONTAINER IP/LEN RT [INSTANCE] [attach|detach] [MAC]
    local node=$1 container=$2 ip=$3 rt=$4 instance=${5:-demo} action=${6:-attach} mac=${7:-}
    in_ns "$node" "$BIN/bagpipe-rest-attach" --"$action" --port netns --netns "$(ns "$container")" \
        --ip "$ip" --network-type evpn --vpn-instance-id "$instance" --rt "$rt" ${mac:+--mac "$mac"}
}

topo_end_processes() {  # ends what this file started: live children of this shell, daemons by pid file
    # Only jobs of this shell that still run: a PID that ended may belong to someone else now.
    local pid
    for pid in "${TOPO_PIDS[@]}"; do if topo_running "$pid"; then kill "$pid" 2>/dev/null || true; fi; done
    for pid in "${TOPO_PIDS[@]}"; do
        for _ in $(seq 50); do topo_running "$pid" || break; sleep 0.1; done
        if topo_running "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
        wait "$pid" 2>/dev/null || true
    done
    local file
    for file in "${TOPO_DAEMONS[@]}"; do
        pid=$(topo_daemon_pid "$file") || continue
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do topo_daemon_pid "$file" >/dev/null || break; sleep 0.1; done
        pid=$(topo_daemon_pid "$file") && kill -9 "$pid" 2>/dev/null || true
    done
    TOPO_PIDS=()
    TOPO_DAEMONS=()
}

topo_cleanup() {
    topo_end_processes
    local name
    for name in "${TOPO_NETNS[@]}"; do ip netns del "$name" 2>/dev/null || true; done
    local link
    for link in $(ip -o link show 2>/dev/null | grep -o "$TOPO-[a-z0-9]*" | sort -u || true); do
        ip link del "$link" 2>/dev/null || true
    done
    TOPO_NETNS=()
    case "$TOPO_DIR" in /tmp/swift-bagpipe-*) rm -rf "$TOPO_DIR" ;; esac
}

topo_show_logs() {  # prints the end of every daemon log (after a failure)
    local log
    for log in "$TOPO_DIR"/*.log; do
        [ -e "$log" ] || continue
        echo "---- $log"
        tail -n 25 "$log"
    done
}
