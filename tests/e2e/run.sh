#!/usr/bin/env bash
# End-to-end test of the enforcement agent with real nftables in network namespaces.
#
# Two nodes (mse-n1 10.0.0.11, mse-n2 10.0.0.12), a production host (mse-hp 10.0.0.21) and a
# non-production host (mse-hd 10.0.0.22) on one bridge (in namespace mse-lan); pods behind the nodes
# (veth, /32 routes, the node's address on its pod-side veths as the pods' gateway): db-0 10.244.1.10
# and web-prod-0 10.244.1.20 on node-1, web-dev-0 10.244.2.20 on node-2. Each node has a kube-proxy-like
# table `ip kube-proxy`: ClusterIP 10.96.0.50:27017 and NodePort 30017 DNAT to db-0:27017, node-port
# traffic masqueraded (externalTrafficPolicy: Cluster). The server runs on 127.0.0.1; the four agents
# run in the root namespace and apply into the namespaces with `ip netns exec` (--netns-map).
#
# Usage: tests/e2e/run.sh [path/to/microseg.jar]. Exit 0 passed, 1 failed, 77 skipped (not root, or
# ip/nft/ip netns unavailable). Everything is torn down on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
JAR=${1:-target/microseg.jar}

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces and nft"
command -v ip >/dev/null || skip "'ip' (iproute2) is missing"
command -v nft >/dev/null || skip "'nft' (nftables) is missing"
[ -f "$JAR" ] || { echo "FAIL: $JAR not built"; exit 1; }

P=mse
NSS="$P-lan $P-n1 $P-n2 $P-hp $P-hd $P-db0 $P-webp $P-webd"
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
for ns in $NSS; do ip netns del "$ns" 2>/dev/null || true; ip netns add "$ns"; ip -n "$ns" link set lo up; done

x() { ip netns exec "$@"; }
# the segment
ip -n $P-lan link add br0 type bridge && ip -n $P-lan link set br0 up
attach() { # ns ip
    ip link add "v-$1" netns $P-lan type veth peer name eth0 netns "$1"
    ip -n $P-lan link set "v-$1" master br0 up
    ip -n "$1" addr add "$2/24" dev eth0 && ip -n "$1" link set eth0 up
}
attach $P-n1 10.0.0.11; attach $P-n2 10.0.0.12; attach $P-hp 10.0.0.21; attach $P-hd 10.0.0.22
for h in $P-hp $P-hd; do
    ip -n $h route add 10.244.1.0/24 via 10.0.0.11; ip -n $h route add 10.244.2.0/24 via 10.0.0.12
done
ip -n $P-n1 route add 10.244.2.0/24 via 10.0.0.12
ip -n $P-n2 route add 10.244.1.0/24 via 10.0.0.11
for n in $P-n1 $P-n2; do x $n sysctl -qw net.ipv4.ip_forward=1; done
pod() { # pod-ns node-ns pod-ip node-ip short
    ip link add "p-$5" netns "$2" type veth peer name eth0 netns "$1"
    ip -n "$2" addr add "$4/32" dev "p-$5" && ip -n "$2" link set "p-$5" up
    ip -n "$2" route add "$3/32" dev "p-$5"
    ip -n "$1" addr add "$3/32" dev eth0 && ip -n "$1" link set eth0 up
    ip -n "$1" route add "$4/32" dev eth0 && ip -n "$1" route add default via "$4"
}
pod $P-db0 $P-n1 10.244.1.10 10.0.0.11 db0
pod $P-webp $P-n1 10.244.1.20 10.0.0.11 webp
pod $P-webd $P-n2 10.244.2.20 10.0.0.12 webd

# kube-proxy (a stand-in in its own table, as kube-proxy's nftables mode has `ip kube-proxy`)
for n in $P-n1 $P-n2; do
    x $n nft -f - <<'NFT'
table ip kube-proxy {
  chain prerouting {
    type nat hook prerouting priority -100; policy accept;
    ip daddr 10.96.0.50 tcp dport 27017 dnat to 10.244.1.10:27017
    fib daddr type local tcp dport 30017 meta mark set 0x4000 dnat to 10.244.1.10:27017
  }
  chain output {
    type nat hook output priority -100; policy accept;
    ip daddr 10.96.0.50 tcp dport 27017 dnat to 10.244.1.10:27017
  }
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    meta mark 0x4000 masquerade
  }
}
NFT
done
kp() { x $P-n1 nft list table ip kube-proxy; x $P-n2 nft list table ip kube-proxy; }
kp > "$WORK/kube-proxy.before"

# the db listener
# not through x(): a backgrounded shell function is a subshell, and killing it would leave java running
ip netns exec $P-db0 java tests/e2e/Listen.java 27017 > "$WORK/listen.log" 2>&1 & PIDS+=($!)

# inputs, server and agents
cp -r tests/e2e/inventory "$WORK/inventory"
cp -r config/demo/policies "$WORK/policies"
PORT=$((20000 + RANDOM % 20000))
serve() {
    java -jar "$JAR" serve --inventory "$WORK/inventory" --policies "$WORK/policies" --listen "127.0.0.1:$PORT" \
        --insecure-no-auth --packaged-rules >> "$WORK/serve.log" 2>&1 & SERVER=$!; PIDS+=($SERVER)
}
serve
printf 'node/demo/node-1: %s\npod/demo/data/db-0: %s\npod/demo/web/web-prod-0: %s\n' $P-n1 $P-db0 $P-webp > "$WORK/n1.yaml"
printf 'node/demo/node-2: %s\npod/demo/web/web-dev-0: %s\n' $P-n2 $P-webd > "$WORK/n2.yaml"
printf 'host/backup-prod: %s\n' $P-hp > "$WORK/hp.yaml"
printf 'host/laptop-dev: %s\n' $P-hd > "$WORK/hd.yaml"
agent() { java -jar "$JAR" enforce --server "http://127.0.0.1:$PORT" "$@" >> "$WORK/agent-$1-${2//\//_}.log" 2>&1 & LAST_AGENT=$!; PIDS+=($LAST_AGENT); }
agent --node demo/node-1 --netns-map "$WORK/n1.yaml"; AGENT_N1=$LAST_AGENT
agent --node demo/node-2 --netns-map "$WORK/n2.yaml"
agent --host backup-prod --netns-map "$WORK/hp.yaml"
agent --host laptop-dev --netns-map "$WORK/hd.yaml"

FAILED=0
wait_tables() {
    for i in $(seq 1 300); do
        ok=1
        for ns in $P-n1 $P-n2 $P-hp $P-hd $P-db0 $P-webp $P-webd; do
            x $ns nft list table inet microseg >/dev/null 2>&1 || ok=0
        done
        [ $ok = 1 ] && return 0
        sleep 0.2
    done
    echo "FAIL: the agents did not install table inet microseg everywhere within 60 s"; tail -5 "$WORK"/*.log; exit 1
}
wait_tables
for i in $(seq 1 50); do grep -q listening "$WORK/listen.log" && break; sleep 0.2; done

connects() { x "$1" timeout "${4:-2}" bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null; }
expect() { # connect|blocked ns ip port what
    if connects "$2" "$3" "$4"; then got=connect; else got=blocked; fi
    if [ "$got" = "$1" ]; then echo "ok   $5: $got"; else echo "FAIL $5: expected $1, got $got"; FAILED=1; fi
}
same_kube_proxy() {
    if kp | cmp -s - "$WORK/kube-proxy.before"; then echo "ok   table ip kube-proxy unchanged ($1)";
    else echo "FAIL table ip kube-proxy changed ($1)"; FAILED=1; fi
}
# wait until a connection reaches the expected state; fail when it takes longer than 2 s
within_2s() { # connect|blocked ns ip port what
    local start=$(date +%s%N) got
    while :; do
        if connects "$2" "$3" "$4" 0.3; then got=connect; else got=blocked; fi
        local ms=$(( ($(date +%s%N) - start) / 1000000 ))
        if [ "$got" = "$1" ]; then
            if [ $ms -le 2000 ]; then echo "ok   $5: $got after ${ms} ms"; else echo "FAIL $5: $got only after ${ms} ms"; FAILED=1; fi
            return
        fi
        if [ $ms -gt 10000 ]; then echo "FAIL $5: still $got after ${ms} ms"; FAILED=1; return; fi
        sleep 0.1
    done
}

same_kube_proxy "after the first rules"
expect connect $P-hp 10.0.0.11 30017 "production host -> node-1:30017 (NodePort)"
expect connect $P-hp 10.0.0.12 30017 "production host -> node-2:30017 (NodePort, forwarded to node-1's pod)"
expect connect $P-webp 10.96.0.50 27017 "production pod -> ClusterIP:27017"
expect connect $P-webp 10.0.0.11 30017 "production pod -> node-1:30017 (NodePort)"
expect connect $P-webp 10.0.0.12 30017 "production pod -> node-2:30017 (NodePort, forwarded back to node-1's pod)"
expect blocked $P-webd 10.96.0.50 27017 "non-production pod -> ClusterIP:27017"
expect blocked $P-webd 10.0.0.12 30017 "non-production pod -> node-2:30017"
expect blocked $P-webd 10.0.0.11 30017 "non-production pod -> node-1:30017"
expect blocked $P-hd 10.0.0.11 30017 "non-production host -> node-1:30017"
expect blocked $P-hd 10.0.0.12 30017 "non-production host -> node-2:30017"
expect blocked $P-webp 10.244.1.10 27017 "production pod -> db pod IP directly"

sed -i '/name: web-prod-0/,/podIPs/ s/environment: production/environment: development/' "$WORK/inventory/web.yaml"
within_2s blocked $P-webp 10.96.0.50 27017 "relabelled production pod (now development) -> ClusterIP:27017"
same_kube_proxy "after relabelling"
sed -i '/name: web-prod-0/,/podIPs/ s/environment: development/environment: production/' "$WORK/inventory/web.yaml"
within_2s connect $P-webp 10.96.0.50 27017 "production pod relabelled back -> ClusterIP:27017"
same_kube_proxy "after relabelling back"

# fail static: the server goes away, the agents keep enforcing the last rules they had
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
sleep 1
expect connect $P-hp 10.0.0.11 30017 "server stopped: production host -> node-1:30017"
expect connect $P-webp 10.96.0.50 27017 "server stopped: production pod -> ClusterIP:27017"
expect blocked $P-webd 10.96.0.50 27017 "server stopped: non-production pod -> ClusterIP:27017"
expect blocked $P-webp 10.244.1.10 27017 "server stopped: production pod -> db pod IP directly"
# while it is away the inventory changes; restarted, the agents catch up (a replacing snapshot)
sed -i '/name: web-prod-0/,/podIPs/ s/environment: production/environment: development/' "$WORK/inventory/web.yaml"
serve
for i in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
within_15s() { # like within_2s, for the agents' reconnect backoff after a restart
    local start=$(date +%s%N) got
    while :; do
        if connects "$2" "$3" "$4" 0.3; then got=connect; else got=blocked; fi
        local ms=$(( ($(date +%s%N) - start) / 1000000 ))
        if [ "$got" = "$1" ]; then echo "ok   $5: $got after ${ms} ms"; return; fi
        if [ $ms -gt 15000 ]; then echo "FAIL $5: still $got after ${ms} ms"; FAILED=1; return; fi
        sleep 0.2
    done
}
within_15s blocked $P-webp 10.96.0.50 27017 "server restarted: the agents caught up with the relabel made while it was away"
expect connect $P-hp 10.0.0.11 30017 "server restarted: production host -> node-1:30017"
sed -i '/name: web-prod-0/,/podIPs/ s/environment: development/environment: production/' "$WORK/inventory/web.yaml"
within_2s connect $P-webp 10.96.0.50 27017 "server restarted: production pod relabelled back -> ClusterIP:27017"
same_kube_proxy "after the server restart"

# an agent restarted from nothing finds its own table from before and replaces it
kill "$AGENT_N1"; wait "$AGENT_N1" 2>/dev/null || true
N1_LOG="$WORK/agent---node-demo_node-1.log"
applied_before=$(grep -c "applied" "$N1_LOG" || true)
agent --node demo/node-1 --netns-map "$WORK/n1.yaml"
for i in $(seq 1 150); do [ "$(grep -c "applied" "$N1_LOG" || true)" -gt "$applied_before" ] && break; sleep 0.2; done
if [ "$(grep -c "applied" "$N1_LOG" || true)" -gt "$applied_before" ]; then echo "ok   agent restarted: it applied its rules again";
else echo "FAIL agent restarted: it applied nothing within 30 s"; FAILED=1; fi
if x $P-n1 nft list tables | grep -c "inet microseg" | grep -qx 1; then echo "ok   agent restarted: one table inet microseg on node-1"; else echo "FAIL agent restarted: tables on node-1: $(x $P-n1 nft list tables | tr '\n' ' ')"; FAILED=1; fi
expect connect $P-hp 10.0.0.11 30017 "agent restarted: production host -> node-1:30017"
expect connect $P-webp 10.96.0.50 27017 "agent restarted: production pod -> ClusterIP:27017"
expect blocked $P-webp 10.244.1.10 27017 "agent restarted: production pod -> db pod IP directly"
same_kube_proxy "after the agent restart"

if [ $FAILED = 0 ]; then echo "PASS: end-to-end enforcement"; else
    echo "FAILED; agent logs:"; tail -n 5 "$WORK"/agent-*.log; exit 1; fi
