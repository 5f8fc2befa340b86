# BaGPipe BGP from networking-bagpipe 21.0.0 (the last release with the Linux VXLAN driver), for the
# interop tests: a venv built from PyPI with only what bagpipe-bgp and bagpipe-rest-attach import,
# two one-line patches, and a node started with topology.sh. docs/interop.md ("BaGPipe 21") explains
# each step. Needs topology.sh sourced first.
#
#   bagpipe21_venv DIR           creates DIR (a venv) unless DIR/.complete exists; prints the seconds taken
#   topo_bagpipe21 NAME ADDRESS RR   bagpipe-bgp 21 in namespace NAME, linux driver; PID_NAME is its PID
#   topo_bagpipe21_attach NODE CONTAINER IP/LEN RT INSTANCE [VNI] [attach|detach]
#                                 BaGPipe's own bagpipe-rest-attach --port netns on NODE

BAGPIPE21_PACKAGES=(
    networking-bagpipe==21.0.0   # installed without its dependencies (neutron, horizon, …)
    neutron-lib==3.11.0          # idem: bagpipe-bgp only needs neutron_lib.exceptions
)
# What bagpipe-bgp 21 imports, at the versions of OpenStack 2024.1 (its release) where they matter:
# exabgp 5 breaks it (shared/reference/bagpipe.md), netaddr 1.x changed the API it uses.
BAGPIPE21_DEPENDENCIES=(
    'exabgp==4.2.25' 'oslo.config' 'oslo.log' 'oslo.serialization' 'oslo.concurrency'
    'oslo.privsep' 'oslo.rootwrap' 'oslo.utils' 'oslo.i18n' 'pecan' 'stevedore'
    'netaddr<1' 'pyroute2<0.8' 'pbr'
)

bagpipe21_venv() {
    local dir=$1 start=$SECONDS
    if [ -e "$dir/.complete" ]; then echo 0; return 0; fi
    rm -rf "$dir"
    /usr/bin/python3 -m venv "$dir" >&2
    "$dir/bin/pip" install -q --disable-pip-version-check --no-deps "${BAGPIPE21_PACKAGES[@]}" >&2
    "$dir/bin/pip" install -q --disable-pip-version-check "${BAGPIPE21_DEPENDENCIES[@]}" >&2
    local site
    site=$("$dir/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    # Patch 1: bgp_daemon imports neutron.common.config (all of neutron) for nothing it uses.
    sed -i 's/^from neutron.common import config as n_config  # noqa$/pass  # swift-bagpipe tests: neutron not installed/' \
        "$site/networking_bagpipe/bagpipe_bgp/bgp_daemon.py"
    # Patch 2: neutron_lib/__init__ imports its DB layer (oslo.db, SQLAlchemy) for nothing bagpipe-bgp uses.
    sed -i 's/^from neutron_lib.db import api  # noqa$/pass  # swift-bagpipe tests: no DB layer/' \
        "$site/neutron_lib/__init__.py"
    # Patch 3: bagpipe-rest-attach insists on /etc/bagpipe-bgp/bgp.conf (only for [API] port); the
    # tests' nodes have their config elsewhere and the API on the default port.
    sed -i "s|default_config_files=\['/etc/bagpipe-bgp/bgp.conf'\])|default_config_files=[f for f in ['/etc/bagpipe-bgp/bgp.conf'] if os.path.exists(f)])|" \
        "$site/networking_bagpipe/bagpipe_bgp/cli/rest_attach.py"
    grep -q "if os.path.exists(f)" "$site/networking_bagpipe/bagpipe_bgp/cli/rest_attach.py"
    "$dir/bin/python" -c 'import networking_bagpipe.bagpipe_bgp.bgp_daemon, networking_bagpipe.bagpipe_bgp.vpn.manager, networking_bagpipe.bagpipe_bgp.vpn.evpn.linux_vxlan, networking_bagpipe.bagpipe_bgp.cli.rest_attach' >&2
    # Its linux driver runs `modprobe vxlan` and fails if that does: on a kernel with vxlan built in
    # (no module file), modprobe says "not found". This modprobe, first on its PATH, accepts that.
    mkdir -p "$dir/shim"
    printf '%s\n' '#!/bin/sh' '[ $# -eq 1 ] && [ -d "/sys/module/$1" ] && exit 0' 'exec /usr/sbin/modprobe "$@"' >"$dir/shim/modprobe"
    chmod +x "$dir/shim/modprobe"
    touch "$dir/.complete"
    echo $((SECONDS - start))
}

topo_bagpipe21() {  # NAME ADDRESS RR_ADDRESS
    local name=$1 address=$2 rr=$3
    local conf="$TOPO_DIR/bagpipe21-$name.conf"
    cat >"$conf" <<CONF
[BGP]
local_address = $address
peers = $rr
my_as = 64512
enable_rtc = True

[API]
host = 127.0.0.1
port = 8082

[COMMON]
# We run as root: no sudo in front of the shell commands of the linux driver.
root_helper =

[privsep]
# brctl/bridge/modprobe run through oslo.privsep; its default is "sudo privsep-helper" from PATH.
helper_command = $BAGPIPE21_VENV/bin/privsep-helper --config-file $conf

[DATAPLANE_DRIVER_EVPN]
dataplane_driver = linux
vxlan_dst_port = 4789
CONF
    topo_start "$name" "$TOPO_DIR/bagpipe21-$name.log" env PATH="$BAGPIPE21_VENV/shim:$PATH" "$BAGPIPE21_VENV/bin/bagpipe-bgp" --config-file "$conf" >/dev/null
    eval "PID_$name=${TOPO_PIDS[-1]}"
    wait_until 60 in_ns "$name" curl -sf http://127.0.0.1:8082/ping
}

topo_bagpipe21_attach() {  # NODE CONTAINER IP/LEN RT INSTANCE [VNI] [attach|detach]
    local node=$1 container=$2 ip=$3 rt=$4 instance=$5 vni=${6:-0} action=${7:-attach}
    # It reads no config file but /etc/bagpipe-bgp/bgp.conf; root_helper (default sudo) from the
    # environment (oslo.config), since we run as root.
    in_ns "$node" env OS_COMMON__ROOT_HELPER= "$BAGPIPE21_VENV/bin/bagpipe-rest-attach" --"$action" --port netns --netns "$(ns "$container")" \
        --ip "$ip" --network-type evpn --vpn-instance-id "$instance" --rt "$rt" --vni "$vni"
}
