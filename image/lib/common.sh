# Shared by image/build, image/boot-test and tools/flash. Sourced, never run.
# shellcheck shell=bash

IMAGE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$IMAGE_DIR/.." && pwd)
# shellcheck source=../layout.env
. "$IMAGE_DIR/layout.env"

MIB=$((1024 * 1024))

log() { printf '[%s %s] %s\n' "$(date +%H:%M:%S)" "${LOG_TAG:-image}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Runs a command bounded in time; the limit is the first argument in seconds.
bounded() { local secs=$1; shift; timeout --kill-after=10 "$secs" "$@"; }

# output_has PATTERN COMMAND...: a line of the command's output (stdout and stderr) matches the
# basic regex PATTERN; the command's own exit status is not judged. The output is taken whole
# before it is searched: under pipefail, `command | grep -q` fails at random when grep exits on
# its match while the command is still writing and so dies of SIGPIPE.
output_has() { local pattern=$1 out; shift; out=$("$@" 2>&1) || true; grep -q -- "$pattern" <<< "$out"; }

# Installs the Debian packages named, once, with apt-get; packages already present are skipped.
need_packages() {
    local missing=() p
    for p in "$@"; do
        output_has 'install ok installed' dpkg-query -W -f='${Status}' "$p" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    if [ ! -f /var/lib/apt/lists/.arbiter-updated ] || [ -z "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v lock)" ]; then
        bounded 600 apt-get update -qq || log "apt-get update failed; trying the lists at hand"
        touch /var/lib/apt/lists/.arbiter-updated
    fi
    DEBIAN_FRONTEND=noninteractive bounded 1200 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
}

# The Debian mirror this machine's apt uses (deb822 or one-line format), for debootstrap.
debian_mirror() {
    local uri
    uri=$(awk '/^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)/ {print u; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null)
    [ -z "$uri" ] && uri=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null)
    echo "${ARBITER_MIRROR:-${uri:-http://deb.debian.org/debian}}"
}

# Writes a 1024-byte GRUB environment block holding the given name=value pairs to a file.
write_grubenv() {
    local out=$1; shift
    local body="# GRUB Environment Block"$'\n' kv
    for kv in "$@"; do body+="$kv"$'\n'; done
    [ ${#body} -le 1024 ] || die "grubenv too large"
    { printf '%s' "$body"; head -c $((1024 - ${#body})) /dev/zero | tr '\0' '#'; } > "$out"
}

# SHA-256 of stdin as hex; openssl uses the CPU's SHA instructions, several times faster than
# coreutils' sha256sum on a multi-GiB image.
sha256() {
    if command -v openssl >/dev/null; then openssl dgst -sha256 -r | cut -d' ' -f1
    else sha256sum | cut -d' ' -f1; fi
}

# Compresses a disk image as two zstd frames, split at the end of system slot A. Each frame
# carries its content size and checksum; arbiter-upgrade needs only the first, and once zstd
# has moved on to the second it has verified the first, so the upgrade stops reading there.
#   compress_image IN OUT [LEVEL]
compress_image() {
    local in=$1 out=$2 level=${3:-3} split total
    split=$(((SLOT_A_START + SLOT_SIZE) * MIB))
    total=$(stat -c %s "$in")
    { head -c "$split" "$in" | zstd -q -T0 "-$level" --check --stream-size="$split" -c
      tail -c +$((split + 1)) "$in" | zstd -q -T0 "-$level" --check --stream-size=$((total - split)) -c
    } > "$out.tmp"
    mv "$out.tmp" "$out"
}

# Reads one value from a GRUB environment block file.
read_grubenv() { sed -n "/^$2=/{s///p;q;}" "$1"; }
