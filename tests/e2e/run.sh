#!/usr/bin/env bash
# End-to-end test of the enforcement agent with real nftables in network namespaces, and of `trace`:
# every connection's observed verdict must equal the one the running server's GET /v1/trace gives.
#
# A dual-stack segment (bridge br0 in namespace mse-lan, 10.0.0.0/24 and fd00:10::/64) holds two nodes
# (mse-n1 10.0.0.11, mse-n2 10.0.0.12), a production host (mse-hp 10.0.0.21) and a non-production host
# (mse-hd 10.0.0.22), all with agents, and two machines in no inventory: a partner (mse-ptn 203.0.113.9,
# admitted by an address-only consumer) and an unmanaged one (mse-unm 198.51.100.9).
#   node-1, a routed CNI (Calico style): each pod has a veth whose node side carries the pods' gateway
#     169.254.1.1 and fe80::1, with a /32 (/128) route per pod; db-0 10.244.1.10, web-prod-0 10.244.1.20.
#   node-2, a bridged CNI: pods on bridge cni0 10.244.2.1/24, fd00:244:2::1/64; db-1 10.244.2.10,
#     web-dev-0 10.244.2.20, shop-0 10.244.2.30. Pods have fd00:244:<node>::<n> too.
# Each node has a kube-proxy stand-in in its own tables (`ip kube-proxy`, `ip6 kube-proxy`, as
# kube-proxy's nftables mode): the dual-stack `db` service (ClusterIP 10.96.0.50 / fd00:96::50, node
# port 30017, load-balancer address 172.16.0.50 / fd00:50::50 that the clients route to node-1) DNATed
# at random to db-0 or db-1, node-port and load-balancer traffic masqueraded (externalTrafficPolicy
# Cluster); `shop` (node port 30080, externalTrafficPolicy Local) DNATed to shop-0 on node-2 without
# masquerade and dropped on node-1, which runs no shop pod. The server runs in its own namespace on the
# segment (mse-srv 10.0.0.2) with static tokens, as it would on a real network. Each agent runs inside
# its node's or host's namespace; the node agents find their pods' namespaces themselves (--netns auto:
# by the pods' addresses, among the namespaces of this test, linked from one directory, and those of
# the processes in /proc) and their node's own addresses on the node's interfaces. At the end every
# agent must be in sync (GET /v1/agents). Audit mode: a workspace added in audit mode lets the production
# pod reach db and GET /v1/audit counts it; switched to enforce it blocks. NetworkPolicy: policies written into the watched inventory; a deny-all
# on db leaves the production pod connected (the workspace's ALLOW ranks first) and, with trace, is seen
# deciding the unmanaged address's direct connection to db-0; an allow from web-prod and from that
# address's ipBlock on db's named port `mongo` opens it to db-0 and db-1; removing the file closes it.
# NetworkPolicy egress: the development pod may reach db-0's address only; through the ClusterIP it reaches
# db-0 and never db-1 (judged on node-2 after kube-proxy's DNAT), and trace gives one verdict per backend.
# ClusterNetworkPolicy: an Admin-tier Deny written into the watched inventory closes the production pod's
# connection to db that the workspace allows (every try, both backends, IPv4 and IPv6), trace names the
# policy and its rule; removing the file opens it again.
#
# Usage: tests/e2e/run.sh [path/to/microseg.jar]. Exit 0 passed, 1 failed, 77 skipped (not root, or
# ip/nft/ip netns unavailable). Everything is torn down on exit. KEEP_LOGS=1 keeps the logs.
set -euo pipefail
cd "$(dirname "$0")/../.."
JAR=${1:-target/microseg.jar}

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces and nft"
command -v ip >/dev/null || skip "'ip' (iproute2) is missing"
command -v nft >/dev/null || skip "'nft' (nftables) is missing"
command -v curl >/dev/null || skip "'curl' is missing (it asks the server for traces)"
[ -f "$JAR" ] || { echo "FAIL: $JAR not built"; exit 1; }

P=mse
NSS="$P-lan $P-srv $P-n1 $P-n2 $P-hp $P-hd $P-ptn $P-unm $P-db0 $P-webp $P-db1 $P-webd $P-shop"
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    set +e
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    for ns in $NSS; do ip netns del "$ns" 2>/dev/null; done
    if [ "${KEEP_LOGS:-}" = 1 ]; then echo "logs in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
ip netns add "$P-probe" 2>/dev/null || skip "cannot create network namespaces here"
ip netns del "$P-probe"
for ns in $NSS; do
    ip netns del "$ns" 2>/dev/null || true; ip netns add "$ns"; ip -n "$ns" link set lo up
    # no duplicate address detection: an IPv6 address is usable at once, not "tentative" for a second
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
done

x() { ip netns exec "$@"; }
# the segment
ip -n $P-lan link add br0 type bridge && ip -n $P-lan link set br0 up
attach() { # ns ip/prefix [ip6/prefix]
    ip link add "v-$1" netns $P-lan type veth peer name eth0 netns "$1"
    ip -n $P-lan link set "v-$1" master br0 up
    ip -n "$1" addr add "$2" dev eth0 && ip -n "$1" link set eth0 up
    [ -z "${3:-}" ] || ip -n "$1" addr add "$3" dev eth0 nodad
}
attach $P-srv 10.0.0.2/24; attach $P-n1 10.0.0.11/24 fd00:10::11/64; attach $P-n2 10.0.0.12/24 fd00:10::12/64
attach $P-hp 10.0.0.21/24 fd00:10::21/64; attach $P-hd 10.0.0.22/24 fd00:10::22/64
attach $P-ptn 203.0.113.9/24; attach $P-unm 198.51.100.9/24
for h in $P-hp $P-hd; do
    ip -n $h route add 10.244.1.0/24 via 10.0.0.11; ip -n $h route add 10.244.2.0/24 via 10.0.0.12
    # the load balancer's addresses lead to node-1 (as a router in front of the cluster would)
    ip -n $h route add 172.16.0.50/32 via 10.0.0.11; ip -n $h -6 route add fd00:50::50/128 via fd00:10::11
done
for o in $P-ptn $P-unm; do  # other subnets on the same segment
    ip -n $o route add 10.0.0.0/24 dev eth0
    ip -n $o route add 172.16.0.50/32 via 10.0.0.11 dev eth0
    ip -n $o route add 10.244.1.0/24 via 10.0.0.11 dev eth0; ip -n $o route add 10.244.2.0/24 via 10.0.0.12 dev eth0
done
ip -n $P-n1 route add 10.244.2.0/24 via 10.0.0.12; ip -n $P-n1 -6 route add fd00:244:2::/64 via fd00:10::12
ip -n $P-n2 route add 10.244.1.0/24 via 10.0.0.11; ip -n $P-n2 -6 route add fd00:244:1::/64 via fd00:10::11
for n in $P-n1 $P-n2; do
    x $n sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
    ip -n $n route add 203.0.113.0/24 dev eth0; ip -n $n route add 198.51.100.0/24 dev eth0
done
# node-1: a routed CNI; the node side of every pod's veth holds the pods' gateway 169.254.1.1 and fe80::1
pod_routed() { # pod-ns ip ip6 short
    ip link add "cali$4" netns $P-n1 type veth peer name eth0 netns "$1"
    ip -n $P-n1 addr add 169.254.1.1/32 dev "cali$4"; ip -n $P-n1 addr add fe80::1/64 dev "cali$4" nodad
    ip -n $P-n1 link set "cali$4" up
    ip -n $P-n1 route add "$2/32" dev "cali$4"; ip -n $P-n1 -6 route add "$3/128" dev "cali$4"
    ip -n "$1" addr add "$2/32" dev eth0; ip -n "$1" addr add "$3/128" dev eth0 nodad; ip -n "$1" link set eth0 up
    ip -n "$1" route add 169.254.1.1/32 dev eth0 scope link; ip -n "$1" route add default via 169.254.1.1 dev eth0
    ip -n "$1" -6 route add default via fe80::1 dev eth0
}
pod_routed $P-db0 10.244.1.10 fd00:244:1::10 db0
pod_routed $P-webp 10.244.1.20 fd00:244:1::20 webp
# node-2: a bridged CNI; cni0 is the pods' gateway
ip -n $P-n2 link add cni0 type bridge && ip -n $P-n2 link set cni0 up
ip -n $P-n2 addr add 10.244.2.1/24 dev cni0; ip -n $P-n2 addr add fd00:244:2::1/64 dev cni0 nodad
pod_bridged() { # pod-ns ip ip6 short
    ip link add "veth$4" netns $P-n2 type veth peer name eth0 netns "$1"
    ip -n $P-n2 link set "veth$4" master cni0 up
    ip -n "$1" addr add "$2/24" dev eth0; ip -n "$1" addr add "$3/64" dev eth0 nodad; ip -n "$1" link set eth0 up
    ip -n "$1" route add default via 10.244.2.1; ip -n "$1" -6 route add default via fd00:244:2::1
}
pod_bridged $P-db1 10.244.2.10 fd00:244:2::10 db1
pod_bridged $P-webd 10.244.2.20 fd00:244:2::20 webd
pod_bridged $P-shop 10.244.2.30 fd00:244:2::30 shop

# kube-proxy (a stand-in in its own tables, as kube-proxy's nftables mode has `ip kube-proxy`)
kube_proxy() { # node number
    local shop="tcp dport 30080 dnat to 10.244.2.30:8080"
    local no_local_shop=""
    if [ "$1" = 1 ]; then
        shop=""; no_local_shop='fib daddr type local tcp dport 30080 drop comment "externalTrafficPolicy Local: no local endpoint of shop"'
    fi
    # the NAT base chains, the same in both families: services first, node ports for local addresses,
    # and masquerade for what a service's external path marked
    local nat_hooks
    nat_hooks=$(cat <<'HOOKS'
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    jump services
    fib daddr type local jump nodeports
  }
  chain output {
    type nat hook output priority -100; policy accept;
    jump services
    fib daddr type local jump nodeports
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    meta mark & 0x4000 == 0x4000 masquerade
  }
HOOKS
)
    cat <<NFT
table ip kube-proxy {
  chain db-endpoint-0 {
    meta l4proto tcp dnat to 10.244.1.10:27017
  }
  chain db-endpoint-1 {
    meta l4proto tcp dnat to 10.244.2.10:27017
  }
  chain db-endpoints {
    numgen random mod 2 vmap { 0 : goto db-endpoint-0, 1 : goto db-endpoint-1 }
  }
  chain db-external {
    meta mark set 0x4000 goto db-endpoints
  }
  chain services {
    ip daddr 10.96.0.50 tcp dport 27017 goto db-endpoints
    ip daddr 172.16.0.50 tcp dport 27017 goto db-external
    ip daddr 10.96.0.80 tcp dport 8080 dnat to 10.244.2.30:8080
  }
  chain nodeports {
    tcp dport 30017 goto db-external
    $shop
  }
  chain filter-prerouting {
    type filter hook prerouting priority dstnat - 10; policy accept;
    $no_local_shop
  }
$nat_hooks
}
table ip6 kube-proxy {
  chain db-endpoint-0 {
    meta l4proto tcp dnat to [fd00:244:1::10]:27017
  }
  chain db-endpoint-1 {
    meta l4proto tcp dnat to [fd00:244:2::10]:27017
  }
  chain db-endpoints {
    numgen random mod 2 vmap { 0 : goto db-endpoint-0, 1 : goto db-endpoint-1 }
  }
  chain db-external {
    meta mark set 0x4000 goto db-endpoints
  }
  chain services {
    ip6 daddr fd00:96::50 tcp dport 27017 goto db-endpoints
    ip6 daddr fd00:50::50 tcp dport 27017 goto db-external
  }
  chain nodeports {
    tcp dport 30017 goto db-external
  }
$nat_hooks
}
NFT
}
kube_proxy 1 | x $P-n1 nft -f -
kube_proxy 2 | x $P-n2 nft -f -
kp() { for n in $P-n1 $P-n2; do x $n nft list table ip kube-proxy; x $n nft list table ip6 kube-proxy; done; }
kp > "$WORK/kube-proxy.before"

# the listeners: each prints "accepted from <source>" per connection
# not through x(): a backgrounded shell function is a subshell, and killing it would leave java running
listen() { ip netns exec "$1" java tests/e2e/Listen.java "$2" > "$WORK/listen-$3.log" 2>&1 & PIDS+=($!); }
listen $P-db0 27017 db0; listen $P-db1 27017 db1; listen $P-shop 8080 shop

# inputs, server and agents
cp -r tests/e2e/inventory "$WORK/inventory"
mkdir "$WORK/policies"; cp config/demo/policies/*.yaml tests/e2e/policies/*.yaml "$WORK/policies/"
PORT=$((20000 + RANDOM % 20000))
SERVER_URL="http://10.0.0.2:$PORT"
# a token per agent and one for the operator (this script); the server holds their SHA-256
token() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
hash_of() { printf 'sha256:%s' "$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)"; }
OPERATOR=$(token)
{
    echo "server:"
    echo "  auth:"
    echo "    agents:"
    for id in node/demo/node-1 node/demo/node-2 host/backup-prod host/laptop-dev; do
        t=$(token); printf '%s' "$t" > "$WORK/token-${id//\//_}"
        printf '      - identity: %s\n        tokenHash: "%s"\n' "$id" "$(hash_of "$t")"
    done
    printf '    operators:\n      - name: e2e\n        tokenHash: "%s"\n' "$(hash_of "$OPERATOR")"
} > "$WORK/microseg.yaml"
# curl as the operator, from the server's segment
api() { x $P-srv curl -s -H "Authorization: Bearer $OPERATOR" "$@"; }
AGENTS="node/demo/node-1 node/demo/node-2 host/backup-prod host/laptop-dev"
sync_line() { # identity: its entry of GET /v1/agents, as the server gives it (with its reasons)
    api "$SERVER_URL/v1/agents" | sed 's/{"identity":/\n&/g' | grep -F "{\"identity\":\"$1\"" || true
}
in_sync() { # identity: its entry of GET /v1/agents says inSync:true
    sync_line "$1" | grep -q '"inSync":true'
}
await_in_sync() { # identity: up to 30 s
    for i in $(seq 1 150); do in_sync "$1" && return 0; sleep 0.2; done
    return 1
}
check_in_sync() { # after: every agent in sync within 30 s of that step, or FAIL with the server's reasons
    for id in $AGENTS; do
        await_in_sync "$id" || { echo "FAIL $id not in sync after $1: $(sync_line "$id")"; FAILED=1; }
    done
}
serve() {
    ip netns exec $P-srv java -jar "$JAR" serve --config "$WORK/microseg.yaml" --inventory "$WORK/inventory" \
        --policies "$WORK/policies" --listen "10.0.0.2:$PORT" --packaged-rules >> "$WORK/serve.log" 2>&1 & SERVER=$!; PIDS+=($SERVER)
}
serve
# the node agents look for their pods' namespaces among this test's namespaces (linked here) and /proc
mkdir "$WORK/netns"; for ns in $NSS; do ln -s "/run/netns/$ns" "$WORK/netns/$ns"; done
agent() { # netns --node|--host name [options]
    local ns=$1; shift
    ip netns exec "$ns" java -jar "$JAR" enforce --server "$SERVER_URL" --token "$WORK/token-${1#--}_${2//\//_}" --status-interval 5s \
        "$@" >> "$WORK/agent-$1-${2//\//_}.log" 2>&1 & LAST_AGENT=$!; PIDS+=($LAST_AGENT)
}
agent $P-n1 --node demo/node-1 --netns auto --netns-dir "$WORK/netns"; AGENT_N1=$LAST_AGENT
agent $P-n2 --node demo/node-2 --netns auto --netns-dir "$WORK/netns"
agent $P-hp --host backup-prod
agent $P-hd --host laptop-dev
N1_LOG="$WORK/agent---node-demo_node-1.log"
N2_LOG="$WORK/agent---node-demo_node-2.log"

FAILED=0
wait_tables() {
    for i in $(seq 1 300); do
        ok=1
        for ns in $P-n1 $P-n2 $P-hp $P-hd $P-db0 $P-webp $P-db1 $P-webd $P-shop; do
            x $ns nft list table inet microseg >/dev/null 2>&1 || ok=0
        done
        [ $ok = 1 ] && return 0
        sleep 0.2
    done
    echo "FAIL: the agents did not install table inet microseg everywhere within 60 s"
    grep -h "network namespace not found" "$WORK"/agent-*.log | sort -u -t' ' -k3 | tail -n 10; tail -n 5 "$WORK"/*.log; exit 1
}
wait_tables
for l in db0 db1 shop; do
    for i in $(seq 1 100); do grep -q listening "$WORK/listen-$l.log" && break; sleep 0.2; done
    grep -q listening "$WORK/listen-$l.log" || { echo "FAIL: the $l listener did not start"; cat "$WORK/listen-$l.log"; exit 1; }
done

# the node's own addresses, as each agent listed them (its last "own addresses" line), sorted
own_addresses() { grep "the node's own addresses: " "$1" | tail -1 | sed 's/.*own addresses: //' | tr -d ' ' | tr ',' '\n' | sort -V | paste -sd' '; }
OWN_N1=$(own_addresses "$N1_LOG"); OWN_N2=$(own_addresses "$N2_LOG")
own_is() { # node expected actual
    if [ "$3" = "$2" ]; then echo "ok   $1's own addresses, as its agent lists them: $3";
    else echo "FAIL $1's own addresses: expected $2, its agent lists: $3"; FAILED=1; fi
}
own_is node-1 "10.0.0.11 169.254.1.1 fd00:10::11" "$OWN_N1"
own_is node-2 "10.0.0.12 10.244.2.1 fd00:10::12 fd00:244:2::1" "$OWN_N2"

# the handshake completes in the kernel (the listener's backlog), in milliseconds: 1 s tells blocked apart
connects() { x "$1" timeout "${4:-1}" bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null; }

# trace: the running server's verdict for a flow, as connect / blocked. While the server is stopped
# (TRACE=asked-before-stop) it is the answer the server gave for that flow just before it stopped: the
# state the agents keep enforcing.
TRACE=server
declare -A TRACED
trace_of() { # from to port [via]
    local verdict key="$1 $2 $3 ${4:-}"
    if [ "$TRACE" = server ]; then
        local q=(--data-urlencode "from=$1" --data-urlencode "to=$2" --data-urlencode "port=$3")
        [ -z "${4:-}" ] || q+=(--data-urlencode "via=$4")
        # the answer's own verdict is its first field of that name; each hop of "hops" has one too
        verdict=$(api -G "${q[@]}" "$SERVER_URL/v1/trace" | grep -o '"verdict":"[A-Z]*"' | head -n 1 | sed 's/.*:"\([A-Z]*\)"/\1/')
    else
        verdict=${TRACED[$key]:-}
    fi
    case "$verdict" in ALLOW) echo connect;; DENY) echo blocked;; *) echo "no-answer";; esac
}
ask_before_stop() { # from to port [via]
    local key="$1 $2 $3 ${4:-}"
    case "$(trace_of "$@")" in connect) TRACED[$key]=ALLOW;; blocked) TRACED[$key]=DENY;; esac
}

# the connection matrix: one line per row, printed at the end
ROWS=()
row() { # what expected observed trace
    local verdict=ok
    # the observation's first word is the verdict; anything else (late, not both pods) fails
    if [ "${3%% *}" != "$2" ] || [ "$4" != "$2" ]; then verdict=FAIL; FAILED=1; fi
    ROWS+=("$verdict|$1|$2|$3|$4|${TRACE_NOTE:-}")
    echo "$verdict $1: expected $2, observed $3, trace $4"
}
flow() { # ns ip port -> connect|blocked
    if connects "$1" "$2" "$3"; then echo connect; else echo blocked; fi
}
expect() { # connect|blocked ns ip port what trace-from [trace-to] [via]
    local got; got=$(flow "$2" "$3" "$4")
    row "$5" "$1" "$got" "$(trace_of "$6" "${7:-$3}" "tcp/$4" "${8:-}")"
}
accepted() { grep -c "^accepted from $2\$" "$WORK/listen-$1.log" || true; }
# repeat a node-port connection until both db pods got one, each from the address masquerade gives it
both_backends() { # ns ip port what trace-from local-pod local-src remote-pod remote-src [via]
    local l0 r0 tries=0 got=connect
    l0=$(accepted "$6" "$7"); r0=$(accepted "$8" "$9")
    while :; do
        tries=$((tries + 1))
        if ! connects "$1" "$2" "$3"; then got="blocked (try $tries)"; break; fi
        for i in 1 2 3 4 5; do [ "$(accepted "$6" "$7")$(accepted "$8" "$9")" != "$l0$r0" ] && break; sleep 0.05; done
        if [ "$(accepted "$6" "$7")" -gt "$l0" ] && [ "$(accepted "$8" "$9")" -gt "$r0" ]; then break; fi
        if [ $tries -ge 40 ]; then got="connect, but not both pods: $6 from $7 $(( $(accepted "$6" "$7") - l0 ))x, $8 from $9 $(( $(accepted "$8" "$9") - r0 ))x"; break; fi
    done
    [ "$got" != connect ] || got="connect ($tries tries: $6 from $7 $(( $(accepted "$6" "$7") - l0 ))x, $8 from $9 $(( $(accepted "$8" "$9") - r0 ))x)"
    row "$4" connect "$got" "$(trace_of "$5" "$2" "tcp/$3" "${10:-}")"
}
same_kube_proxy() {
    if kp | cmp -s - "$WORK/kube-proxy.before"; then echo "ok   kube-proxy's tables unchanged ($1)";
    else echo "FAIL kube-proxy's tables changed ($1)"; FAILED=1; fi
}
# A change must reach the dataplane within PROPAGATION ms. The bound is functional ("within seconds"),
# not a performance figure (those come from `bench-feed`): a loaded 2-core machine once took 2.2 s.
PROPAGATION=${MICROSEG_E2E_PROPAGATION_MS:-5000}
# wait until a connection reaches the expected state; late (after LIMIT ms) is a failure
within() { # limit-ms connect|blocked ns ip port what trace-from
    local start=$(date +%s%N) got ms observed
    while :; do
        if connects "$3" "$4" "$5" 0.3; then got=connect; else got=blocked; fi
        ms=$(( ($(date +%s%N) - start) / 1000000 ))
        [ "$got" = "$2" ] && break
        [ $ms -gt $(( $1 * 5 )) ] && break
        sleep 0.1
    done
    if [ "$got" != "$2" ]; then observed="$got (still after $ms ms)"
    elif [ $ms -gt "$1" ]; then observed="late: $got only after $ms ms"
    else observed="$got (after $ms ms)"; fi
    row "$6" "$2" "$observed" "$(trace_of "$7" "$4" "tcp/$5")"
}

same_kube_proxy "after the first rules"
both_backends $P-hp 10.0.0.11 30017 "production host -> node-1:30017 (NodePort; db-0 local, db-1 remote)" host/backup-prod \
    db0 169.254.1.1 db1 10.0.0.11
both_backends $P-hp 10.0.0.12 30017 "production host -> node-2:30017 (NodePort; db-1 local, db-0 remote)" host/backup-prod \
    db1 10.244.2.1 db0 10.0.0.12
expect connect $P-webp 10.96.0.50 27017 "production pod -> ClusterIP 10.96.0.50:27017" pod/demo/web/web-prod-0
expect connect $P-webp fd00:96::50 27017 "production pod -> ClusterIP [fd00:96::50]:27017 (IPv6)" pod/demo/web/web-prod-0
expect connect $P-webp 10.0.0.11 30017 "production pod -> node-1:30017 (NodePort)" pod/demo/web/web-prod-0
expect connect $P-webp 10.0.0.12 30017 "production pod -> node-2:30017 (NodePort)" pod/demo/web/web-prod-0
expect blocked $P-webd 10.96.0.50 27017 "non-production pod -> ClusterIP 10.96.0.50:27017" pod/demo/web/web-dev-0
expect blocked $P-webd fd00:96::50 27017 "non-production pod -> ClusterIP [fd00:96::50]:27017 (IPv6)" pod/demo/web/web-dev-0
expect blocked $P-webd 10.0.0.12 30017 "non-production pod -> node-2:30017" pod/demo/web/web-dev-0
expect blocked $P-webd 10.0.0.11 30017 "non-production pod -> node-1:30017" pod/demo/web/web-dev-0
expect blocked $P-hd 10.0.0.11 30017 "non-production host -> node-1:30017" host/laptop-dev
expect blocked $P-hd 10.0.0.12 30017 "non-production host -> node-2:30017" host/laptop-dev
expect blocked $P-webp 10.244.1.10 27017 "production pod -> db-0's pod IP directly" pod/demo/web/web-prod-0
expect blocked $P-unm 10.0.0.11 30017 "unmanaged 198.51.100.9 -> node-1:30017" 198.51.100.9
expect blocked $P-unm 10.0.0.12 30017 "unmanaged 198.51.100.9 -> node-2:30017" 198.51.100.9
shop_before=$(accepted shop 203.0.113.9)
expect connect $P-ptn 10.0.0.12 30080 "partner 203.0.113.9 -> node-2:30080 (shop, Local, address-only consumer)" 203.0.113.9
expect blocked $P-ptn 10.0.0.11 30017 "partner 203.0.113.9 -> node-1:30017 (db: not its consumer)" 203.0.113.9
prod_before=$(accepted shop 10.0.0.21)
expect connect $P-hp 10.0.0.12 30080 "production host -> node-2:30080 (shop, Local, backend on node-2)" host/backup-prod
expect blocked $P-hp 10.0.0.11 30080 "production host -> node-1:30080 (shop, Local, no backend on node-1)" host/backup-prod
sleep 0.2
if [ "$(accepted shop 203.0.113.9)" -gt "$shop_before" ] && [ "$(accepted shop 10.0.0.21)" -gt "$prod_before" ]; then
    echo "ok   externalTrafficPolicy Local: shop-0 saw the clients' own addresses 203.0.113.9 and 10.0.0.21"
else echo "FAIL externalTrafficPolicy Local: shop-0 did not see the clients' own addresses"; cat "$WORK/listen-shop.log"; FAILED=1; fi
both_backends $P-hp 172.16.0.50 27017 "production host -> load balancer 172.16.0.50:27017 (DNATed on node-1)" host/backup-prod \
    db0 169.254.1.1 db1 10.0.0.11 node/demo/node-1
expect connect $P-hp fd00:50::50 27017 "production host -> load balancer [fd00:50::50]:27017 (IPv6, on node-1)" \
    host/backup-prod fd00:50::50 node/demo/node-1
expect blocked $P-unm 172.16.0.50 27017 "unmanaged 198.51.100.9 -> load balancer 172.16.0.50:27017 (on node-1)" \
    198.51.100.9 172.16.0.50 node/demo/node-1
both_backends $P-webp 172.16.0.50 27017 "production pod -> load balancer 172.16.0.50:27017 (DNATed on its node-1)" \
    pod/demo/web/web-prod-0 db0 169.254.1.1 db1 10.0.0.11
expect blocked $P-webd 172.16.0.50 27017 "non-production pod -> load balancer 172.16.0.50:27017" pod/demo/web/web-dev-0

sed -i '/name: web-prod-0/,/podIPs/ s/environment: production/environment: development/' "$WORK/inventory/web.yaml"
within "$PROPAGATION" blocked $P-webp 10.96.0.50 27017 "relabelled production pod (now development) -> ClusterIP" pod/demo/web/web-prod-0
same_kube_proxy "after relabelling"
sed -i '/name: web-prod-0/,/podIPs/ s/environment: development/environment: production/' "$WORK/inventory/web.yaml"
within "$PROPAGATION" connect $P-webp 10.96.0.50 27017 "production pod relabelled back -> ClusterIP" pod/demo/web/web-prod-0
same_kube_proxy "after relabelling back"

# fail static: the server goes away, the agents keep enforcing the last rules they had
ask_before_stop host/backup-prod 10.0.0.11 tcp/30017
ask_before_stop pod/demo/web/web-prod-0 10.96.0.50 tcp/27017
ask_before_stop pod/demo/web/web-dev-0 10.96.0.50 tcp/27017
ask_before_stop pod/demo/web/web-prod-0 10.244.1.10 tcp/27017
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
sleep 1
TRACE=asked-before-stop; TRACE_NOTE="  [trace: the server's answer just before it stopped]"
expect connect $P-hp 10.0.0.11 30017 "server stopped: production host -> node-1:30017" host/backup-prod
expect connect $P-webp 10.96.0.50 27017 "server stopped: production pod -> ClusterIP" pod/demo/web/web-prod-0
expect blocked $P-webd 10.96.0.50 27017 "server stopped: non-production pod -> ClusterIP" pod/demo/web/web-dev-0
expect blocked $P-webp 10.244.1.10 27017 "server stopped: production pod -> db-0's pod IP directly" pod/demo/web/web-prod-0
TRACE=server; TRACE_NOTE=""
# while it is away the inventory changes; restarted, the agents catch up (a replacing snapshot)
sed -i '/name: web-prod-0/,/podIPs/ s/environment: production/environment: development/' "$WORK/inventory/web.yaml"
serve
for i in $(seq 1 300); do x $P-srv curl -sf "$SERVER_URL/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
# 15 s: the agents' reconnect backoff after a restart
within 15000 blocked $P-webp 10.96.0.50 27017 "server restarted: relabel made while it was away -> ClusterIP" pod/demo/web/web-prod-0
# the ClusterIP picks db-0 (node-1) or db-1 (node-2) at random: one blocked try may have met a node whose
# agent has not reconnected yet; every agent resumes from the restarted server before the next rows
check_in_sync "the server restart"
expect connect $P-hp 10.0.0.11 30017 "server restarted: production host -> node-1:30017" host/backup-prod
sed -i '/name: web-prod-0/,/podIPs/ s/environment: development/environment: production/' "$WORK/inventory/web.yaml"
within "$PROPAGATION" connect $P-webp 10.96.0.50 27017 "server restarted: production pod relabelled back -> ClusterIP" pod/demo/web/web-prod-0
same_kube_proxy "after the server restart"

# an agent restarted from nothing finds its own table from before and replaces it
kill "$AGENT_N1"; wait "$AGENT_N1" 2>/dev/null || true
applied_before=$(grep -c "applied" "$N1_LOG" || true)
agent $P-n1 --node demo/node-1 --netns auto --netns-dir "$WORK/netns"
for i in $(seq 1 150); do [ "$(grep -c "applied" "$N1_LOG" || true)" -gt "$applied_before" ] && break; sleep 0.2; done
if [ "$(grep -c "applied" "$N1_LOG" || true)" -gt "$applied_before" ]; then echo "ok   agent restarted: it applied its rules again";
else echo "FAIL agent restarted: it applied nothing within 30 s"; FAILED=1; fi
if x $P-n1 nft list tables | grep -c "inet microseg" | grep -qx 1; then echo "ok   agent restarted: one table inet microseg on node-1"; else echo "FAIL agent restarted: tables on node-1: $(x $P-n1 nft list tables | tr '\n' ' ')"; FAILED=1; fi
expect connect $P-hp 10.0.0.11 30017 "agent restarted: production host -> node-1:30017" host/backup-prod
expect connect $P-webp 10.96.0.50 27017 "agent restarted: production pod -> ClusterIP" pod/demo/web/web-prod-0
expect blocked $P-webp 10.244.1.10 27017 "agent restarted: production pod -> db-0's pod IP directly" pod/demo/web/web-prod-0
expect blocked $P-unm 10.0.0.11 30017 "agent restarted: unmanaged 198.51.100.9 -> node-1:30017" 198.51.100.9
same_kube_proxy "after the agent restart"

# audit mode (docs/audit.md): a workspace whose DENY would cut the production pod from db counts instead;
# GET /v1/audit shows the would-be drops; switched to enforce (an edit of the watched file) it blocks
audit_packets() { # the would-be drops GET /v1/audit lists for workspace e2e-audit, or "none"
    local n; n=$(api "$SERVER_URL/v1/audit" | grep -o '"workspace":"e2e-audit","packets":[0-9]*' | sed 's/.*://')
    echo "${n:-none}"
}
cat > "$WORK/policies/audit.yaml" <<'YAML'
apiVersion: microseg.io/v1
kind: Workspace
metadata: {name: e2e-audit}
spec:
  scope: "orchestrator_system/pod_name = web-prod-0"
  enforcement: audit
  policies:
    - id: no-db-from-web-prod
      consumer: "orchestrator_system/pod_name = web-prod-0"
      provider: "orchestrator_system/service_name = db"
      ports: ["TCP 27017"]
      action: DENY
      rank: ABSOLUTE
      priority: 1
YAML
for i in $(seq 1 $((PROPAGATION / 100))); do x $P-webp nft list table inet microseg | grep -q 'log prefix "microseg ' && break; sleep 0.1; done
if x $P-webp nft list table inet microseg | grep -q 'counter packets .* log prefix "microseg '; then
    echo "ok   audit: web-prod-0's table counts and logs the audited DENY"
else echo "FAIL audit: no audited rule in web-prod-0's table within $PROPAGATION ms:"; x $P-webp nft list table inet microseg | grep -n "log\|counter" | head -5; FAILED=1; fi
expect connect $P-webp 10.96.0.50 27017 "audit: production pod -> ClusterIP, an audited DENY counts it" pod/demo/web/web-prod-0
expect connect $P-webp fd00:96::50 27017 "audit: production pod -> ClusterIP [fd00:96::50] (IPv6), counted" pod/demo/web/web-prod-0
# the agents report every 5 s
for i in $(seq 1 100); do p=$(audit_packets); [ "$p" != none ] && [ "$p" -ge 2 ] && break; sleep 0.2; done
p=$(audit_packets)
if [ "$p" != none ] && [ "$p" -ge 2 ]; then echo "ok   audit: GET /v1/audit lists $p would-be drops of workspace e2e-audit"
else echo "FAIL audit: GET /v1/audit lists $p would-be drops of workspace e2e-audit, expected at least 2: $(api "$SERVER_URL/v1/audit")"; FAILED=1; fi
sed -i 's/enforcement: audit/enforcement: enforce/' "$WORK/policies/audit.yaml"
within "$PROPAGATION" blocked $P-webp 10.96.0.50 27017 "audit switched to enforce: production pod -> ClusterIP" pod/demo/web/web-prod-0
if [ "$(audit_packets)" = none ]; then echo "ok   audit: enforced, GET /v1/audit no longer lists workspace e2e-audit"
else echo "FAIL audit: enforced, GET /v1/audit still lists workspace e2e-audit"; FAILED=1; fi
rm "$WORK/policies/audit.yaml"
within "$PROPAGATION" connect $P-webp 10.96.0.50 27017 "workspace e2e-audit removed: production pod -> ClusterIP" pod/demo/web/web-prod-0
same_kube_proxy "after audit mode"

# NetworkPolicy (docs/networkpolicy.md), read from the watched inventory. Its rules rank after the demo
# workspace's DEFAULT ALLOW production-to-db (priority 100) and before its catch-all: a deny-all policy
# on db leaves the production pod connected, and it is the unmanaged 198.51.100.9 (no agent, so no
# egress rule of its own), decided only by db's ingress, that a NetworkPolicy allow opens.
traced_by() { # from to port text: GET /v1/trace of the flow mentions text within PROPAGATION ms
    for i in $(seq 1 $((PROPAGATION / 100))); do
        api -G --data-urlencode "from=$1" --data-urlencode "to=$2" --data-urlencode "port=$3" "$SERVER_URL/v1/trace" \
            | grep -qF "$4" && return 0
        sleep 0.1
    done
    return 1
}
expect blocked $P-unm 10.244.1.10 27017 "unmanaged 198.51.100.9 -> db-0's pod IP directly (catch-all)" 198.51.100.9
cat > "$WORK/inventory/netpol.yaml" <<'YAML'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-deny-all, namespace: data}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
YAML
if traced_by 198.51.100.9 10.244.1.10 tcp/27017 netpol/demo/data/db-deny-all/isolation; then
    echo "ok   NetworkPolicy db-deny-all: trace decides unmanaged -> db-0 by its isolation DENY"
else echo "FAIL NetworkPolicy db-deny-all: trace does not name its isolation DENY within $PROPAGATION ms"; FAILED=1; fi
check_in_sync "NetworkPolicy db-deny-all"
expect connect $P-webp 10.96.0.50 27017 "NetworkPolicy deny-all on db: production pod -> ClusterIP (workspace ALLOW 100 ranks first)" pod/demo/web/web-prod-0
expect blocked $P-webd 10.96.0.50 27017 "NetworkPolicy deny-all on db: non-production pod -> ClusterIP" pod/demo/web/web-dev-0
expect blocked $P-unm 10.244.1.10 27017 "NetworkPolicy deny-all on db: unmanaged -> db-0's pod IP (isolation DENY)" 198.51.100.9
cat > "$WORK/inventory/netpol.yaml" <<'YAML'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-web-prod, namespace: data}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: web}}
          podSelector: {matchLabels: {environment: production}}
        - ipBlock: {cidr: 198.51.100.9/32}
      ports:
        - {protocol: TCP, port: mongo}
YAML
within "$PROPAGATION" connect $P-unm 10.244.1.10 27017 "NetworkPolicy allows ipBlock on named port mongo: unmanaged -> db-0's pod IP (node-1)" 198.51.100.9
expect connect $P-unm 10.244.2.10 27017 "NetworkPolicy allows ipBlock on named port mongo: unmanaged -> db-1's pod IP (node-2)" 198.51.100.9
expect connect $P-webp 10.96.0.50 27017 "NetworkPolicy allows web-prod on named port mongo: production pod -> ClusterIP" pod/demo/web/web-prod-0
expect blocked $P-webd 10.96.0.50 27017 "NetworkPolicy allows web-prod only: non-production pod -> ClusterIP" pod/demo/web/web-dev-0
rm "$WORK/inventory/netpol.yaml"
within "$PROPAGATION" blocked $P-unm 10.244.1.10 27017 "NetworkPolicy removed: unmanaged -> db-0's pod IP (catch-all again)" 198.51.100.9
expect connect $P-webp 10.96.0.50 27017 "NetworkPolicy removed: production pod -> ClusterIP" pod/demo/web/web-prod-0
same_kube_proxy "after NetworkPolicy"

# NetworkPolicy egress through a Service (docs/networkpolicy.md): defined on the destination after DNAT, so the
# agent judges it on the client's node after kube-proxy's DNAT. db accepts web-dev-0 (an ingress policy, ranked
# before the demo's catch-all); web-dev-0 may open connections to db-0's address only: through the ClusterIP it
# reaches db-0 and never db-1 although db-1 admits it (the client's egress decides, as upstream's "denying of
# egress traffic on the client side" test), and trace judges its egress once per backend.
cat > "$WORK/inventory/netpol-egress.yaml" <<'YAML'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-web-dev, namespace: data}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: web}}, podSelector: {matchLabels: {environment: development}}}]
      ports: [{port: mongo}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-dev-to-db-0, namespace: web}
spec:
  podSelector: {matchLabels: {environment: development}}
  policyTypes: [Egress]
  egress:
    - to: [{ipBlock: {cidr: 10.244.1.10/32}}, {ipBlock: {cidr: "fd00:244:1::10/128"}}]
      ports: [{protocol: TCP, port: 27017}]
YAML
within "$PROPAGATION" connect $P-webd 10.244.1.10 27017 "NetworkPolicy egress to db-0's address: non-production pod -> db-0's pod IP" pod/demo/web/web-dev-0
expect blocked $P-webd 10.244.2.10 27017 "NetworkPolicy egress: non-production pod -> db-1's pod IP (db-1 admits it, its egress does not)" pod/demo/web/web-dev-0
check_in_sync "NetworkPolicy web-dev-to-db-0"
# through the ClusterIP, which kube-proxy sends to db-0 or db-1 at random: db-0 answers, db-1 never sees web-dev-0
d0=$(accepted db0 10.244.2.20); d1=$(accepted db1 10.244.2.20); ok=0; refused=0
for i in $(seq 1 24); do if connects $P-webd 10.96.0.50 27017; then ok=$((ok + 1)); else refused=$((refused + 1)); fi; done
sleep 0.2
got0=$(( $(accepted db0 10.244.2.20) - d0 )); got1=$(( $(accepted db1 10.244.2.20) - d1 ))
observed="$ok connected (db-0 saw $got0, db-1 saw $got1), $refused refused"
if [ "$got0" -gt 0 ] && [ "$got1" = 0 ] && [ "$refused" -gt 0 ] && [ "$got0" = "$ok" ]; then egress_row=connect; else egress_row="unexpected: $observed"; fi
svc_trace=$(api -G --data-urlencode "from=pod/demo/web/web-dev-0" --data-urlencode "to=10.96.0.50" --data-urlencode "port=tcp/27017" "$SERVER_URL/v1/trace")
if echo "$svc_trace" | grep -qF "DNAT to pod/demo/data/db-0 port 27017 10.96.0.50 TCP 27017: ALLOW" \
    && echo "$svc_trace" | grep -qF "DNAT to pod/demo/data/db-1 port 27017 10.96.0.50 TCP 27017: DENY"; then traced=connect; else traced="no per-backend verdicts"; fi
ROWS+=("$([ "$egress_row" = connect ] && [ "$traced" = connect ] && echo ok || echo FAIL)|NetworkPolicy egress through the ClusterIP: non-production pod -> 10.96.0.50:27017 reaches db-0 only|connect (db-0 only)|$egress_row: $observed|per backend: db-0 ALLOW, db-1 DENY ($traced)|")
if [ "$egress_row" = connect ] && [ "$traced" = connect ]; then echo "ok   NetworkPolicy egress through the ClusterIP: $observed; trace: db-0 ALLOW, db-1 DENY"
else echo "FAIL NetworkPolicy egress through the ClusterIP: $observed; trace: $traced"; FAILED=1; fi
if x $P-n2 nft list chain inet microseg prerouting 2>/dev/null | grep -q "ip saddr 10.244.2.20 jump"; then
    echo "ok   node-2 judges web-dev-0's NetworkPolicy egress in its prerouting chain, after kube-proxy's DNAT"
else echo "FAIL node-2 has no prerouting jump for web-dev-0"; FAILED=1; fi
rm "$WORK/inventory/netpol-egress.yaml"
within "$PROPAGATION" blocked $P-webd 10.244.1.10 27017 "NetworkPolicy egress removed: non-production pod -> db-0's pod IP (catch-all again)" pod/demo/web/web-dev-0
expect blocked $P-webd 10.96.0.50 27017 "NetworkPolicy egress removed: non-production pod -> ClusterIP" pod/demo/web/web-dev-0
same_kube_proxy "after NetworkPolicy egress"

# ClusterNetworkPolicy (docs/clusternetworkpolicy.md), read from the watched inventory. Its Admin tier ranks
# before every workspace rule: an Admin Deny on db's ingress from the production pods closes the connection the
# demo workspace's DEFAULT ALLOW opens, on both backends and both address families, and trace names the
# policy and its rule; the production host, which the policy does not select as a peer, stays connected.
# Removing the file opens it again.
expect connect $P-webp 10.96.0.50 27017 "before the ClusterNetworkPolicy: production pod -> ClusterIP (workspace ALLOW)" pod/demo/web/web-prod-0
cat > "$WORK/inventory/cnp.yaml" <<'YAML'
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: e2e-deny-web-prod-to-db}
spec:
  tier: Admin
  priority: 10
  subject:
    pods:
      namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: data}}
      podSelector: {matchLabels: {app: db}}
  ingress:
    - name: deny-web-prod
      action: Deny
      from:
        - pods:
            namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: web}}
            podSelector: {matchLabels: {environment: production}}
      protocols:
        - tcp: {destinationPort: {number: 27017}}
YAML
within "$PROPAGATION" blocked $P-webp 10.96.0.50 27017 "ClusterNetworkPolicy Admin Deny: production pod -> ClusterIP (ranks before the workspace ALLOW)" pod/demo/web/web-prod-0
check_in_sync "ClusterNetworkPolicy e2e-deny-web-prod-to-db"
# kube-proxy picks db-0 or db-1 at random: every try must be refused, and neither pod may see web-prod-0
d0=$(accepted db0 10.244.1.20); d1=$(accepted db1 10.244.1.20); ok=0
for i in $(seq 1 16); do if connects $P-webp 10.96.0.50 27017; then ok=$((ok + 1)); fi; done
sleep 0.2
got0=$(( $(accepted db0 10.244.1.20) - d0 )); got1=$(( $(accepted db1 10.244.1.20) - d1 ))
observed="$ok of 16 connected (db-0 saw $got0, db-1 saw $got1)"
if [ "$ok" = 0 ] && [ "$got0" = 0 ] && [ "$got1" = 0 ]; then cnp_row=blocked; else cnp_row="unexpected: $observed"; fi
cnp_trace=$(api -G --data-urlencode "from=pod/demo/web/web-prod-0" --data-urlencode "to=10.96.0.50" --data-urlencode "port=tcp/27017" "$SERVER_URL/v1/trace")
if echo "$cnp_trace" | grep -qF "cnp/demo/e2e-deny-web-prod-to-db" && echo "$cnp_trace" | grep -qF "ingress[0] deny-web-prod"; then
    traced=blocked; else traced="trace does not name cnp/demo/e2e-deny-web-prod-to-db rule ingress[0] deny-web-prod"; fi
ROWS+=("$([ "$cnp_row" = blocked ] && [ "$traced" = blocked ] && echo ok || echo FAIL)|ClusterNetworkPolicy Admin Deny: production pod -> 10.96.0.50:27017, 16 tries, both backends|blocked|$cnp_row: $observed|$traced (names cnp/demo/e2e-deny-web-prod-to-db)|")
if [ "$cnp_row" = blocked ] && [ "$traced" = blocked ]; then echo "ok   ClusterNetworkPolicy Admin Deny: $observed; trace names cnp/demo/e2e-deny-web-prod-to-db, rule ingress[0] deny-web-prod"
else echo "FAIL ClusterNetworkPolicy Admin Deny: $observed; $traced: $cnp_trace"; FAILED=1; fi
expect blocked $P-webp fd00:96::50 27017 "ClusterNetworkPolicy Admin Deny: production pod -> ClusterIP [fd00:96::50]:27017 (IPv6)" pod/demo/web/web-prod-0
expect connect $P-hp 10.0.0.11 30017 "ClusterNetworkPolicy denies production pods only: production host -> node-1:30017 (NodePort)" host/backup-prod
rm "$WORK/inventory/cnp.yaml"
within "$PROPAGATION" connect $P-webp 10.96.0.50 27017 "ClusterNetworkPolicy removed: production pod -> ClusterIP (workspace ALLOW again)" pod/demo/web/web-prod-0
expect connect $P-webp fd00:96::50 27017 "ClusterNetworkPolicy removed: production pod -> ClusterIP [fd00:96::50]:27017 (IPv6)" pod/demo/web/web-prod-0
same_kube_proxy "after ClusterNetworkPolicy"

# every agent reports itself in sync with the server (GET /v1/agents, docs/status.md)
for id in $AGENTS; do
    await_in_sync "$id" || true
    if in_sync "$id"; then echo "ok   $id in sync (GET /v1/agents)"; else
        echo "FAIL $id not in sync: $(sync_line "$id")"; FAILED=1; fi
done

fmt() { printf '%-4s  %-88s  %-8s  %-8s  %s\n' "$@"; }
echo
echo "connection matrix: observed with real nftables, and trace's verdict (GET /v1/trace on the running server)"
echo "node-1 own addresses (routed CNI): $OWN_N1"
echo "node-2 own addresses (bridged CNI): $OWN_N2"
fmt "" "row" "expected" "trace" "observed"
n=0
for r in "${ROWS[@]}"; do
    n=$((n + 1))
    IFS='|' read -r verdict what expected observed trace note <<< "$r"
    fmt "$n" "$what" "$expected" "$trace" "$observed$note$([ "$verdict" = ok ] || echo "   <-- FAIL")"
done
echo
if [ $FAILED = 0 ]; then echo "PASS: end-to-end enforcement"; else
    echo "FAILED; agent logs:"; tail -n 5 "$WORK"/agent-*.log; exit 1; fi
