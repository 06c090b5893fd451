#!/usr/bin/env bash
# Make a throwaway CA, a server and a client certificate for `fakevirt serve --listen tls://…`,
# with the key usages and purposes libvirt checks (https://libvirt.org/kbase/tlscerts.html).
#
#   scripts/make_pki.sh DIR [NAME_OR_IP…]
#
# DIR gets cacert.pem, cakey.pem, servercert.pem, serverkey.pem, clientcert.pem, clientkey.pem:
# the server reads it with `--pki DIR`, a libvirt client with the URI parameter `?pkipath=DIR`.
#   fakevirt serve --listen tls://127.0.0.1:16514 --pki DIR
#   virsh -c 'qemu+tls://127.0.0.1:16514/system?pkipath=DIR' hostname
# The client checks the server certificate against the URI's host: the server certificate
# names every NAME_OR_IP given (default: localhost, 127.0.0.1, ::1 and this machine's hostname).
# For libvirt's system-wide layout copy cacert.pem to /etc/pki/CA/, servercert.pem and
# clientcert.pem to /etc/pki/libvirt/, serverkey.pem and clientkey.pem to /etc/pki/libvirt/private/.
# Environment: DAYS (validity, default 365), CA_NAME (the CA's common name).
set -euo pipefail

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
  [[ $# -ge 1 ]] && exit 0 || exit 2
fi
dir=$1
shift
names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
  names=(localhost 127.0.0.1 ::1 "$(hostname)")
fi
days=${DAYS:-365}
ca_name=${CA_NAME:-fakevirt test CA}

san=""
for n in "${names[@]}"; do
  if [[ $n =~ ^[0-9.]+$ || $n == *:* ]]; then san+="IP:$n,"; else san+="DNS:$n,"; fi
done
san=${san%,}

mkdir -p "$dir"
cd "$dir"
umask 077
ext=$(mktemp)
trap 'rm -f "$ext" server.csr client.csr cacert.srl' EXIT
cat >"$ext" <<EOF
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $san
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
EOF

quiet() { local out; out=$("$@" 2>&1) || { echo "$out" >&2; exit 1; }; }
quiet openssl req -x509 -newkey rsa:2048 -nodes -keyout cakey.pem -out cacert.pem -days "$days" \
  -subj "/O=fakevirt/CN=$ca_name" -config "$ext" -extensions ca
for who in server client; do
  cn=${names[0]}
  [[ $who == client ]] && cn="fakevirt client"
  quiet openssl req -new -newkey rsa:2048 -nodes -keyout "${who}key.pem" -out "$who.csr" \
    -subj "/O=fakevirt/CN=$cn"
  quiet openssl x509 -req -in "$who.csr" -CA cacert.pem -CAkey cakey.pem -CAcreateserial \
    -days "$days" -extfile "$ext" -extensions "$who" -out "${who}cert.pem"
done
chmod 644 cacert.pem servercert.pem clientcert.pem
echo "made $(pwd)/{cacert,servercert,serverkey,clientcert,clientkey}.pem for: ${names[*]}"
