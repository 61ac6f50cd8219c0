#!/usr/bin/env bash
# Builds the container engine's test images from this machine's own programs, because the
# tests have no image registry to pull from:
#   build.sh node   <image>   the node running the tests ($NODE, else node on PATH) as /usr/bin/node,
#                             with the shared libraries it loads
#   build.sh python <image>   Debian's python3 ($PYTHON, default /usr/bin/python3) with its standard
#                             library (tests, IDLE and tkinter left out) and the libraries of its
#                             extension modules, at the same paths as on the host
# No shell, no package manager: an algorithm gets the interpreter and nothing else. An image is
# rebuilt only when this script or the interpreter changed (a label records both), and builds
# are serialized with a lock so that test processes running side by side build each image once.
# Podman's configuration comes from the caller's environment (CONTAINERS_CONF).
set -euo pipefail
kind="${1:?usage: build.sh node|python <image>}"
image="${2:?usage: build.sh node|python <image>}"

case "$kind" in
  node) program="$(readlink -f "${NODE:-$(command -v node)}")" ;;
  python) program="$(readlink -f "${PYTHON:-/usr/bin/python3}")" ;;
  *) echo "build.sh: unknown image kind '$kind' (node or python)" >&2; exit 2 ;;
esac
[ -x "$program" ] || { echo "build.sh: the $kind test image is made from ${program:-$kind}, which is missing" >&2; exit 1; }

recipe="$(cat "$0" "$program" | sha256sum | cut -c1-16)"
current() { podman image inspect --format '{{ index .Labels "c2d-test.recipe" }}' "$image" 2>/dev/null || true; }

exec 9>"${TMPDIR:-/tmp}/c2d-test-images.lock"
flock 9
[ "$(current)" = "$recipe" ] && exit 0
stale="$(podman image inspect --format '{{ .Id }}' "$image" 2>/dev/null || true)"

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
# Copies files into the root filesystem at their real place (the image has merged /usr, as the
# host), dereferenced: a library reached through a symlink (libz.so.1) keeps that name.
add() {
  for path in "$@"; do
    dir="$(readlink -f "$(dirname "$path")")"
    mkdir -p "$root$dir"
    cp -L "$path" "$root$dir/"
  done
}
libraries() { ldd "$@" 2>/dev/null | awk '/=> \//{ print $3 } /^\t\//{ print $1 }' | sort -u; }

mkdir -p "$root/tmp" "$root/data" "$root/usr/bin" "$root/usr/lib" "$root/usr/lib64"
for link in bin lib lib64; do ln -s "usr/$link" "$root/$link"; done
case "$kind" in
  node)
    cp "$program" "$root/usr/bin/node"
    add $(libraries "$program")
    ;;
  python)
    stdlib="$("$program" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')"
    add "$program"
    [ -e "$root/usr/bin/python3" ] || ln -s "$program" "$root/usr/bin/python3"
    mkdir -p "$root$stdlib"
    tar -C "$stdlib" --exclude=./test --exclude=./idlelib --exclude=./tkinter --exclude=./ensurepip \
      --exclude=./lib2to3 --exclude=./turtledemo --exclude='./config-*' -cf - . | tar -C "$root$stdlib" -xf -
    add $(libraries "$program" "$stdlib"/lib-dynload/*.so)
    ;;
esac

tar -C "$root" -cf - . | podman import --quiet \
  --change 'ENV=PATH=/usr/local/bin:/usr/bin:/bin' \
  --change "LABEL=c2d-test.recipe=$recipe" \
  --message "c2d test image: $kind from $program" - "$image" >/dev/null
# The previous build, now untagged (kept if a container still uses it).
[ -z "$stale" ] || podman rmi "$stale" >/dev/null 2>&1 || true
echo "built $image ($(du -sh "$root" | cut -f1))" >&2
