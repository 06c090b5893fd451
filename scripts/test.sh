#!/usr/bin/env bash
# Install everything the tests need (Debian packages, then Python packages) and run the whole suite.
#   bash scripts/test.sh [pytest args…]
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v virsh >/dev/null || need+=(libvirt-clients)
pkg-config --exists libvirt 2>/dev/null || need+=(libvirt-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v qemu-img >/dev/null || need+=(qemu-utils)  # checks exported images with QEMU's own tools
command -v xorriso >/dev/null || need+=(xorriso)  # cloud-init seed ISOs of the volume-file tests
command -v openssl >/dev/null || need+=(openssl)  # the TLS tests make their certificates
command -v nbdinfo >/dev/null || need+=(libnbd-bin python3-libnbd)  # real NBD clients of pull-mode backups
command -v prometheus-libvirt-exporter >/dev/null || need+=(prometheus-libvirt-exporter)  # a real monitoring client of the stats
[ -e /usr/share/munin/plugins/libvirt-blkstat ] || need+=(munin-libvirt-plugins python3-libvirt python3-libxml2)  # munin's libvirt plugins
command -v tmux >/dev/null || need+=(tmux)  # `virsh console` runs in a real terminal
command -v virt-install >/dev/null || need+=(virtinst)  # a real installer on qemu:///system (serve --system)
# go-libvirt, a pure-Go client, is built from Debian's source package in GOPATH mode (no module download)
command -v go >/dev/null || need+=(golang-go)
[[ -d /usr/share/gocode/src/github.com/digitalocean/go-libvirt ]] || need+=(golang-github-digitalocean-go-libvirt-dev)
if ((${#need[@]})); then
  SUDO=""; [[ $(id -u) == 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" gcc >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v "Running pip as the 'root' user" || true
python3 -c "import libvirt, trio, xdrlib3, pytest_trio" 

set +e
python3 -m pytest "$@"
status=$?
set -e
# pytest exits 5 when it collected no test: that is a failure of the suite, not a pass.
if [[ $status == 5 ]]; then echo "no tests ran" >&2; exit 1; fi
exit $status
