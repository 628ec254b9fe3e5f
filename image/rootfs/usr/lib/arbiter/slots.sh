# A/B system slot helpers for arbiter-upgrade and arbiter-boot-check. Sourced.
# shellcheck shell=bash
. /usr/lib/arbiter/layout.env
ESP_MNT=/boot/efi
GRUBENV=$ESP_MNT/boot/grub/grubenv
STATE_LOG=/etc/arbiter/state/boot.log

cmdline_value() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | tail -n1; }
booted_slot() { cmdline_value arbiter.slot; }
other_slot() { [ "$1" = A ] && echo B || echo A; }

# The disk this system booted from: the parent of the device mounted at /.
boot_disk() {
    local rootdev parents
    rootdev=$(findmnt -no SOURCE /) || return 1
    parents=$(lsblk -no PKNAME "$rootdev") || return 1
    echo "/dev/${parents%%$'\n'*}"
}

# The partition of the boot disk with the given GPT name, e.g. part_by_name arbiter-b.
part_by_name() {
    lsblk -lnpo NAME,PARTLABEL "$(boot_disk)" | awk -v n="$1" '$2 == n {print $1; exit}'
}
slot_part() { part_by_name "arbiter-$(echo "$1" | tr AB ab)"; }

# Mounting the ESP, reading or writing grubenv and unmounting happen under one lock:
# arbiter-upgrade (status, upgrade, cancel) and arbiter-boot-check may run at the same time, and
# one must never unmount the ESP under the other (the other's grubenv write would then miss it).
ESP_LOCK=/run/arbiter-esp.lock
mount_esp() {
    if [ -z "${ESP_LOCKED:-}" ]; then
        exec 9>"$ESP_LOCK" || return 1
        flock -w 60 9 || { echo "could not lock $ESP_LOCK within 60 s" >&2; return 1; }
        ESP_LOCKED=1
    fi
    mountpoint -q "$ESP_MNT" && return 0
    mkdir -p "$ESP_MNT"
    mount -t vfat -o umask=0077 "$(part_by_name arbiter-esp)" "$ESP_MNT"
}
umount_esp() {
    sync
    umount "$ESP_MNT" 2>/dev/null || true
    if [ -n "${ESP_LOCKED:-}" ]; then
        flock -u 9
        exec 9>&-
        ESP_LOCKED=
    fi
}

# Prints the value of one grubenv variable (ESP must be mounted).
env_get() { sed -n "/^$1=/{s///p;q;}" "$GRUBENV"; }

# Sets grubenv variables (name=value ...), keeping the others. The block stays 1024 bytes,
# rewritten in place so GRUB's save_env keeps working on the same sectors.
env_set() {
    local kv name body tmp
    body=$(grep -v '^#' "$GRUBENV" | grep '=' || true)
    for kv in "$@"; do
        name=${kv%%=*}
        body=$(printf '%s\n' "$body" | grep -v "^$name=" || true)
        body=$(printf '%s\n%s' "$body" "$kv")
    done
    body="# GRUB Environment Block"$'\n'$(printf '%s\n' "$body" | grep -v '^$')$'\n'
    [ ${#body} -le 1024 ] || { echo "grubenv would exceed 1024 bytes" >&2; return 1; }
    tmp=$(mktemp)
    { printf '%s' "$body"; head -c $((1024 - ${#body})) /dev/zero | tr '\0' '#'; } > "$tmp"
    if ! dd if="$tmp" of="$GRUBENV" conv=notrunc,fsync status=none; then
        rm -f "$tmp"
        echo "could not write $GRUBENV" >&2
        return 1
    fi
    rm -f "$tmp"
}

# A trial boot is decided once: confirmed (the slot became the default) or rolled back by the
# boot check. The trial guard reboots a trial that nothing decided in time.
TRIAL_DECIDED=/run/arbiter-trial.decided
trial_decided() { [ -e "$TRIAL_DECIDED" ]; }
decide_trial() { echo "$1" > "$TRIAL_DECIDED"; }

# The history lives on the data partition; without it a record goes to the journal only.
history_kept() { mountpoint -q /etc/arbiter; }
record() {
    local msg="$(date -u +%Y-%m-%dT%H:%M:%SZ) $*"
    echo "$msg"
    if history_kept; then
        mkdir -p /etc/arbiter/state && echo "$msg" >> "$STATE_LOG" && sync -f "$STATE_LOG"
    fi
}

# GRUB sets grubenv's tried_slot when it boots a trial. Whatever decides the trial clears it
# once the decision is in the history, so one still set on a later boot is a trial that ended
# before anything in it decided: its kernel did not load, or it hung or was reset before the
# boot check or the trial guard, or before the data partition was there to record it.

# roll_back MESSAGE [REBOOT_ARGS...]: ends this trial boot with MESSAGE in the history and a
# reboot; GRUB already cleared the trial, so the default slot boots.
roll_back() {
    local msg=$1; shift
    decide_trial rollback
    record "$msg"
    if history_kept && mount_esp; then env_set "tried_slot="; fi
    [ -z "${ESP_LOCKED:-}" ] || umount_esp
    systemctl reboot "$@"
}

# record_undecided_trial SLOT TRIAL, on every boot: records a trial of another slot that ended
# with no decision, and clears the mark (kept for a later boot while the history is missing).
record_undecided_trial() {
    local slot=$1 trial=$2 tried
    history_kept || return 0
    mount_esp || { [ -z "${ESP_LOCKED:-}" ] || umount_esp; return 0; }
    tried=$(env_get tried_slot)
    if [ -n "$tried" ] && { [ "$trial" != 1 ] || [ "$tried" != "$slot" ]; }; then
        record "slot $tried: trial boot ended with no decision (its kernel did not load, or it hung or was reset before it could decide); slot $slot booted instead"
        env_set "tried_slot="
    fi
    umount_esp
}
