# Sourced by the system scripts that talk to the appliance's admin API. admin_endpoint sets
# ADMIN_HOST and ADMIN_PORT: the socket the running appliance bound, from the file it writes once
# serving (--admin-address-file in arbiter.service), else the admin section of
# /etc/arbiter/appliance.yaml. The running socket wins because the file may have been edited since
# the start (admin settings change with a restart). A wildcard bind is reached on loopback.
ARBITER_CONFIG=${ARBITER_CONFIG:-/etc/arbiter/appliance.yaml}
ARBITER_ADMIN_FILE=${ARBITER_ADMIN_FILE:-/run/arbiter/admin-address}
ARBITER_LIB=${BASH_SOURCE[0]%/*}

admin_endpoint() {
    local line=
    [ -r "$ARBITER_ADMIN_FILE" ] && read -r line < "$ARBITER_ADMIN_FILE"
    if [[ $line =~ ^\[?([^]]+)\]?:([0-9]+)$ ]]; then
        ADMIN_HOST=${BASH_REMATCH[1]} ADMIN_PORT=${BASH_REMATCH[2]}
    else
        ADMIN_HOST=$("$ARBITER_LIB/yaml-get" "$ARBITER_CONFIG" admin.address 127.0.0.1)
        ADMIN_PORT=$("$ARBITER_LIB/yaml-get" "$ARBITER_CONFIG" admin.port 9090)
    fi
    case $ADMIN_HOST in 0.0.0.0|::|'[::]'|'*'|0:0:0:0:0:0:0:0) ADMIN_HOST=127.0.0.1 ;; esac
}
