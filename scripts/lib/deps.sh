# Shared by scripts/test, scripts/demo and scripts/bench: installs the Debian packages the
# project needs when they are missing (CI starts from a machine with none of them); arguments name
# more packages a step needs.
ensure_debian_packages() {
    local wanted=(libnl-3-dev libnl-route-3-dev libmnl-dev iproute2 gobgpd frr tshark curl jq python3 systemd iputils-ping
                  containernetworking-plugins "$@")
    local missing=()
    for package in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep "install ok installed" >/dev/null || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "== installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}
