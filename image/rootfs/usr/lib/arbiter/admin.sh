# Sourced by the system scripts that talk to the appliance's admin API: where it listens, from
# /etc/arbiter/appliance.yaml (a wildcard bind is reached on loopback).
ARBITER_CONFIG=/etc/arbiter/appliance.yaml
ADMIN_HOST=$(/usr/lib/arbiter/yaml-get "$ARBITER_CONFIG" admin.address 127.0.0.1)
case $ADMIN_HOST in 0.0.0.0|::|'[::]'|'*') ADMIN_HOST=127.0.0.1 ;; esac
ADMIN_PORT=$(/usr/lib/arbiter/yaml-get "$ARBITER_CONFIG" admin.port 9090)
