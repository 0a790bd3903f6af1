#!/bin/sh
# Where the CPU time of one nft transaction goes (docs/scale.md#where-the-time-of-one-transaction-goes), in a network
# namespace of its own: CPU time (perf stat task-clock) per step, with a set of MEMBERS addresses as a hash and as an
# interval set. Usage: tests/perf/nft-phases.sh [MEMBERS] (root, perf, nft, ip, nsenter; creates and deletes netns msphases<pid>)
set -e
n=${1:-5000}; ns=msphases$$; d=$(mktemp -d); export HOME=/nonexistent
ip netns add $ns; trap 'ip netns del $ns; rm -rf $d' EXIT
p=/run/netns/$ns
members() { awk -v n=$n 'BEGIN { for (i = 0; i < n; i++) printf "%s10.%d.%d.%d", (i ? ", " : ""), int(i / 65536) % 256, int(i / 256) % 256, i % 256 }'; }
table() { # $1: "flags interval;" or ""
  printf 'table inet microseg {}\ndelete table inet microseg\ntable inet microseg {\n  set big_4 { type ipv4_addr; %s elements = { %s } }\n' "$1" "$(members)"
  printf '  set cidr_4 { type ipv4_addr; flags interval; elements = { 203.0.113.0/24, 198.51.100.0/24 } }\n'
  printf '  chain input { type filter hook input priority filter; policy accept; ip saddr @big_4 tcp dport 8080 accept; ip saddr @cidr_4 accept; }\n}\n'
}
table "flags interval;" > $d/interval.nft; table "" > $d/hash.nft; : > $d/empty.nft
printf 'add element inet microseg big_4 { 10.200.0.1 }\n' > $d/add.nft
cpu() { perf stat -r ${R:-20} -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ { printf "%.1f", $1 }'; }
# many transactions through one long-lived nft -i; a line that does not parse marks each end
session() { # $1: file of one transaction, $2: count
  for i in $(seq 1 $2); do echo "include \"$1\""; echo "end-of-transaction $i"; done > $d/session
  perf stat -x, -e task-clock nsenter --net=$p nft -i < $d/session 2>&1 >/dev/null | awk -F, -v c=$2 '/task-clock/ { printf "%.2f", $1 / c }'
}
echo "fork+exec of true:                 $(cpu true) ms"
echo "nsenter --net true:                $(cpu nsenter --net=$p true) ms"
echo "nsenter nft -f (empty script):     $(cpu nsenter --net=$p nft -f $d/empty.nft) ms"
for kind in interval hash; do
  nsenter --net=$p nft -f $d/$kind.nft
  printf 'delete element inet microseg big_4 { 10.200.0.1 }\n' > $d/del.nft
  printf 'add element inet microseg big_4 { 10.200.0.1 }\ndelete element inet microseg big_4 { 10.200.0.1 }\n' > $d/adddel.nft
  echo "$kind set of $n: one element added and removed, one transaction:"
  echo "  new nsenter+nft process:         $(cpu nsenter --net=$p nft -f $d/adddel.nft) ms"
  echo "  through a running nft -i:        $(session $d/adddel.nft 200) ms"
  echo "$kind set of $n: the whole table re-created:"
  echo "  new nsenter+nft process:         $(R=10 cpu nsenter --net=$p nft -f $d/$kind.nft) ms"
  echo "  through a running nft -i:        $(session $d/$kind.nft 10) ms"
done
