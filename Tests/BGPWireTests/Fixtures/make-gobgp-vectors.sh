#!/usr/bin/env bash
# Regenerates gobgp-evpn-types.{pcap,messages,facts}: vectors produced by gobgpd itself (Debian gobgpd
# 3.10) for what the shared captures lack: EVPN types 1, 4 and 5, type 2 with IPv6 and two labels, type 3
# with an IPv6 originator, ESI types 1/3/4/5, the ESI label, ES-import, router's MAC and default gateway
# communities, MP_UNREACH_NLRI withdrawals, and IPv4/IPv6 unicast with AS_PATH, MED, communities,
# large communities and AGGREGATOR.
#
# Two gobgpd speakers (192.0.2.1 sends, 192.0.2.2 receives) peer over the loopback of a network namespace
# made for the run; routes are injected with the gobgp CLI and the session is captured with tshark.
# Needs root, gobgpd, tshark, jq. Run: Tests/BGPWireTests/Fixtures/make-gobgp-vectors.sh
set -euo pipefail
cd "$(dirname "$0")"
namespace="bgpwire-vectors-$$"
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    ip netns del "$namespace" 2>/dev/null || true
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'cat "$work"/*.log >&2' ERR
# Background processes are started with `ip netns exec` directly (it execs them), so $! is their pid.
in_ns() { ip netns exec "$namespace" "$@"; }
poll() {  # poll DESCRIPTION COMMAND...: retry for up to 20 s
    local description=$1; shift
    for _ in $(seq 200); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "timed out waiting for $description" >&2; exit 1
}

ip netns add "$namespace"
in_ns ip link set lo up
in_ns ip addr add 192.0.2.1/32 dev lo
in_ns ip addr add 192.0.2.2/32 dev lo

speaker_config() {  # speaker_config ROUTER_ID PEER PASSIVE
    cat <<TOML
[global.config]
  as = 64512
  router-id = "$1"
  port = 179
  local-address-list = ["$1"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "$2"
    peer-as = 64512
  [neighbors.transport.config]
    local-address = "$1"
    passive-mode = $3
$(for family in l2vpn-evpn ipv4-unicast ipv6-unicast; do printf '  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = "%s"\n' "$family"; done)
TOML
}
speaker_config 192.0.2.1 192.0.2.2 false > "$work/sender.toml"
speaker_config 192.0.2.2 192.0.2.1 true > "$work/receiver.toml"

# Job control on, so the capture keeps the default SIGINT action (it stops and flushes on SIGINT only).
set -m
ip netns exec "$namespace" tshark -i lo -f "tcp port 179" -F pcap -w "$work/capture.pcap" > "$work/tshark.log" 2>&1 &
pids+=($!)
set +m
poll "tshark to capture" grep -q "Capturing on" "$work/tshark.log"

ip netns exec "$namespace" gobgpd -f "$work/receiver.toml" --api-hosts 127.0.0.1:50062 --pprof-disable -l warn > "$work/receiver.log" 2>&1 &
pids+=($!)
ip netns exec "$namespace" gobgpd -f "$work/sender.toml" --api-hosts 127.0.0.1:50061 --pprof-disable -l warn > "$work/sender.log" 2>&1 &
sender=$!
pids+=($sender)
established() { in_ns gobgp -p 50061 neighbor 192.0.2.2 | grep -qi "BGP state = established"; }
poll "the session to be established" established

evpn() { in_ns gobgp -p 50061 global rib -a evpn "$@"; }
evpn add a-d esi ARBITRARY 00:11:22:33:44:55:66:77:88 etag 0 label 100 rd 192.0.2.1:10 rt 64512:10 esi-label 200
evpn add a-d esi AS 64512 7 etag 4294967295 label 0 rd 192.0.2.1:12 rt 64512:10 encap vxlan
evpn add macadv 52:54:00:00:00:01 2001:db8::1 esi LACP 52:54:00:00:00:aa 100 etag 0 label 1000,5000 rd 192.0.2.1:10 rt 64512:10 encap vxlan router-mac 52:54:00:00:00:ff
evpn add macadv 52:54:00:00:00:02 0.0.0.0 etag 0 label 1000 rd 192.0.2.1:10 rt 64512:10 default-gateway
evpn add multicast 2001:db8::1 etag 0 rd 192.0.2.1:10 rt 64512:10 encap vxlan pmsi ingress-repl 1000 2001:db8::1
evpn add esi 192.0.2.1 esi MAC 52:54:00:00:00:03 9 rd 192.0.2.1:20 rt 64512:10
evpn add esi 2001:db8::1 esi ROUTERID 192.0.2.1 5 rd 64512:20
evpn add prefix 203.0.113.0/24 gw 192.0.2.1 etag 0 label 3000 rd 192.0.2.1:30 rt 64512:30 encap vxlan router-mac 52:54:00:00:00:ff
evpn add prefix 2001:db8:1::/64 gw 2001:db8::1 esi LACP 52:54:00:00:00:aa 7 etag 7 label 3000 rd 64512:30 rt 64512:30
in_ns gobgp -p 50061 global rib -a ipv4 add 198.51.100.0/24 nexthop 192.0.2.1 aspath 65001,4200000000 med 10 \
    community 64512:100 large-community 64512:1:2,4200000000:3:4 aggregator 4200000000:192.0.2.9
in_ns gobgp -p 50061 global rib -a ipv6 add 2001:db8:2::/48 nexthop 2001:db8::1 large-community 64512:5:6

received() {  # received FAMILY COUNT: the receiver holds COUNT destinations of FAMILY
    [ "$(in_ns gobgp -p 50062 global rib -a "$1" -j | jq 'length')" = "$2" ]
}
poll "9 EVPN routes at the receiver" received evpn 9
poll "1 IPv4 route at the receiver" received ipv4 1
poll "1 IPv6 route at the receiver" received ipv6 1

evpn del prefix 203.0.113.0/24 etag 0 rd 192.0.2.1:30
evpn del macadv 52:54:00:00:00:02 0.0.0.0 etag 0 label 1000 rd 192.0.2.1:10
in_ns gobgp -p 50061 global rib -a ipv4 del 198.51.100.0/24
poll "the withdrawals at the receiver" received evpn 7
poll "the IPv4 withdrawal at the receiver" received ipv4 0

kill -TERM "$sender"
wait "$sender" 2>/dev/null || true
not_established() { ! in_ns gobgp -p 50062 neighbor 192.0.2.1 | grep -qi "BGP state = established"; }
poll "the receiver to see the session close" not_established
# The capture sees packets in batches; wait until it holds the connection's FINs before stopping it.
captured_close() { [ "$(tshark -r "$work/capture.pcap" -Y "tcp.flags.fin == 1" 2>/dev/null | wc -l)" -ge 2 ]; }
poll "the capture to hold the end of the session" captured_close
kill -INT "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true

cp "$work/capture.pcap" gobgp-evpn-types.pcap
./extract-messages.py gobgp-evpn-types.pcap > gobgp-evpn-types.messages
./expected-facts.py gobgp-evpn-types.messages > gobgp-evpn-types.facts
echo "wrote $(wc -l < gobgp-evpn-types.messages) messages to gobgp-evpn-types.messages"
