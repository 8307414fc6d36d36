#!/usr/bin/env bash
# make_test_certs.sh DIR: makes, with openssl, the certificates the TLS tests use, in DIR:
#   ca.crt                      the CA misc trusts for clients and clients trust for misc
#   server.{crt,key}            misc's certificate (CN misc-server-1; SAN 127.0.0.1, localhost)
#   server-2.{crt,key}          its renewal (CN misc-server-2), for the rotation test
#   client.{crt,key}            the BFF's client certificate, signed by ca
#   other-ca.crt, other-client.{crt,key}   a client certificate from a CA misc does not trust
# EC P-256 keys: quick to make. Valid for one day: made fresh by every test run.
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"

new_ca() {  # new_ca NAME CN
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj "/CN=$2" -keyout "$1.key" -out "$1.crt" 2>/dev/null
}

# new_cert NAME CN CA USAGE [SAN]: a key and a certificate signed by CA.
new_cert() {
  local name=$1 cn=$2 ca=$3 usage=$4 san=${5:-}
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/CN=$cn" -keyout "$name.key" -out "$name.csr" 2>/dev/null
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=digitalSignature"
    echo "extendedKeyUsage=$usage"
    if [[ -n $san ]]; then echo "subjectAltName=$san"; fi
  } >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -days 1 \
    -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

new_ca ca "misc test CA"
new_ca other-ca "another CA"
new_cert server misc-server-1 ca serverAuth "IP:127.0.0.1,DNS:localhost"
new_cert server-2 misc-server-2 ca serverAuth "IP:127.0.0.1,DNS:localhost"
new_cert client bff ca clientAuth
new_cert other-client intruder other-ca clientAuth
