package io.microseg.compile;

import io.microseg.facts.AppliedTo;
import io.microseg.facts.Backend;
import io.microseg.facts.CatchAll;
import io.microseg.facts.GroupRule;
import io.microseg.facts.InScope;
import io.microseg.facts.Selected;
import io.microseg.facts.TargetPort;
import io.microseg.facts.Workload;
import io.microseg.facts.WorkloadKind;
import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Enforcement;
import io.microseg.policy.Direction;
import io.microseg.policy.Rank;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AppliedToGroupsTest {
    private static final String SCOPE = "match:scope";
    private static final String CONSUMERS = "match:web";
    private static final Workload WEB_0 = pod("pod/k/web-0");
    private static final Workload WEB_1 = pod("pod/k/web-1");

    /** What the listener was told, as a multiset of what the rules say: rule → times present. */
    private final Map<String, Integer> present = new HashMap<>();
    private final List<String> log = new ArrayList<>();
    private final AppliedToGroups groups = new AppliedToGroups((rule, added) -> {
        String said = String.join(" ", rule.workload(), rule.direction().name(), rule.action().name(), rule.ports(),
                String.valueOf(rule.peerSet()), rule.policy(), rule.rule(), rule.matched().toString());
        present.merge(said, added ? 1 : -1, Integer::sum);
        present.remove(said, 0);
        log.add((added ? "+ " : "- ") + rule.workload() + " " + rule.matched());
    });

    private final GroupRule toDb = GroupRule.egress(AppliedTo.selected(CONSUMERS, SCOPE), grant(), "27017", "match:db",
            "Consumers reach the provider workloads on the policy's ports", "policy:ws/p");

    @BeforeEach
    void twoWebPodsInScope() {
        for (Workload w : List.of(WEB_0, WEB_1)) {
            groups.fact(w, true);
            groups.fact(new InScope(SCOPE, w.id()), true);
            groups.fact(new Selected(CONSUMERS, w.id()), true);
        }
        groups.settle();
    }

    @Test
    void aGroupRuleBecomesOneRuleOnEachMemberWithTheMemberAddedToItsProvenance() {
        groups.rule(toDb, true);
        groups.settle();

        assertThat(log).containsExactlyInAnyOrder("+ pod/k/web-0 [policy:ws/p, pod/k/web-0]", "+ pod/k/web-1 [policy:ws/p, pod/k/web-1]");
    }

    @Test
    void aWorkloadOutsideTheScopeGetsNoRuleAndLosesItsRuleWhenItLeavesTheScope() {
        Workload other = pod("pod/k/web-2");
        groups.fact(other, true);
        groups.fact(new Selected(CONSUMERS, other.id()), true);
        groups.rule(toDb, true);
        groups.settle();
        assertThat(workloadsWithRules()).containsExactlyInAnyOrder(WEB_0.id(), WEB_1.id());

        groups.fact(new InScope(SCOPE, WEB_1.id()), false);
        groups.settle();

        assertThat(workloadsWithRules()).containsExactly(WEB_0.id());
    }

    @Test
    void aPodTheQueryStartsSelectingJoinsTheGroupsInUse() {
        groups.rule(toDb, true);
        groups.settle();
        Workload late = pod("pod/k/web-9");

        groups.fact(late, true);
        groups.fact(new InScope(SCOPE, late.id()), true);
        groups.fact(new Selected(CONSUMERS, late.id()), true);
        groups.settle();

        assertThat(workloadsWithRules()).containsExactlyInAnyOrder(WEB_0.id(), WEB_1.id(), late.id());
    }

    @Test
    void aRetractedGroupRuleTakesEveryConcreteRuleWithIt() {
        groups.rule(toDb, true);
        groups.settle();

        groups.rule(toDb, false);
        groups.settle();

        assertThat(present).isEmpty();
    }

    @Test
    void aWorkloadWhoseRulesMoveToItsNodeIsMovedNotDuplicated() {
        groups.rule(toDb, true);
        groups.settle();

        groups.fact(WEB_0, false);
        groups.fact(new Workload(WEB_0.id(), WorkloadKind.POD, "k", "node/k/n1"), true);
        groups.settle();

        assertThat(workloadsWithRules()).containsExactlyInAnyOrder("node/k/n1", WEB_1.id());
    }

    @Test
    void hostsAndOtherClustersAreLeftOutOfAClusterIpGroup() {
        Workload host = new Workload("host/db", WorkloadKind.HOST, null, "host/db");
        Workload elsewhere = new Workload("pod/other/web-0", WorkloadKind.POD, "other", "pod/other/web-0");
        for (Workload w : List.of(host, elsewhere)) {
            groups.fact(w, true);
            groups.fact(new InScope(SCOPE, w.id()), true);
            groups.fact(new Selected(CONSUMERS, w.id()), true);
        }
        groups.rule(GroupRule.egress(AppliedTo.selectedInCluster(CONSUMERS, SCOPE, "k"), grant(), "27017",
                "clusterip:k/data/db", "Consumer pods reach the service's ClusterIP on the service port", "policy:ws/p"), true);
        groups.settle();

        assertThat(workloadsWithRules()).containsExactlyInAnyOrder(WEB_0.id(), WEB_1.id());
    }

    @Test
    void backendGroupsHoldThePodsOnThatTargetPortOnlyAndCountDualStackAddressesOnce() {
        TargetPort onHttp = new TargetPort("service/k/web", "tcp/80", Protocol.TCP, 8080, "backends:k/web:tcp/8080");
        groups.fact(new Backend("service/k/web", "tcp/80", Protocol.TCP, 8080, "10.0.0.1", WEB_0.id()), true);
        groups.fact(new Backend("service/k/web", "tcp/80", Protocol.TCP, 8080, "fd00::1", WEB_0.id()), true);
        groups.fact(new Backend("service/k/web", "tcp/80", Protocol.TCP, 9090, "10.0.0.2", WEB_1.id()), true);
        groups.rule(GroupRule.ingress(AppliedTo.backends(onHttp, SCOPE), grant(), "8080", CONSUMERS,
                "Provider pods accept the consumers on the target port", "policy:ws/p"), true);
        groups.settle();
        assertThat(workloadsWithRules()).containsExactly(WEB_0.id());

        groups.fact(new Backend("service/k/web", "tcp/80", Protocol.TCP, 8080, "fd00::1", WEB_0.id()), false);
        groups.settle();
        assertThat(workloadsWithRules()).as("still a backend by its IPv4 address").containsExactly(WEB_0.id());
    }

    @Test
    void twoGroupsYieldingTheSameConcreteRuleReportItTwiceAndWithdrawItTwice() {
        GroupRule a = GroupRule.catchAll(Direction.INGRESS, new CatchAll("ws", SCOPE, Action.DENY, Action.DENY, Enforcement.ENFORCE),
                "Workloads in a workspace's scope fall back to its catch-all", "workspace:ws");
        GroupRule same = new GroupRule(AppliedTo.selected(CONSUMERS, SCOPE), a.direction(), a.action(), a.protocol(),
                a.ports(), a.peerSet(), a.localSet(), a.rank(), a.priority(), a.policy(), a.rule(), a.matched(), a.enforcement());
        groups.rule(a, true);
        groups.rule(same, true);
        groups.settle();
        assertThat(present.values()).containsOnly(2);

        groups.rule(a, false);
        groups.settle();
        assertThat(present.values()).containsOnly(1);
    }

    // A workload joins the groups of the queries and backend keys it is in (their index by item), not
    // only those it joined in the batch: in each case below the other membership came in an earlier batch.

    @Test
    void aPodAlreadySelectedJoinsTheGroupWhenItsWorkloadFactComes() {
        Workload pending = pod("pod/k/web-8");
        groups.fact(new InScope(SCOPE, pending.id()), true);
        groups.fact(new Selected(CONSUMERS, pending.id()), true);
        groups.fact(new Selected("match:other", pending.id()), true);
        groups.rule(toDb, true);
        groups.settle();
        assertThat(workloadsWithRules()).doesNotContain(pending.id());

        groups.fact(pending, true);
        groups.settle();

        assertThat(workloadsWithRules()).containsExactlyInAnyOrder(WEB_0.id(), WEB_1.id(), pending.id());
    }

    @Test
    void aPodSelectedBeforeItJoinsTheScopeJoinsTheGroupWhenItDoes() {
        Workload outside = pod("pod/k/web-7");
        groups.fact(outside, true);
        groups.fact(new Selected("match:other", outside.id()), true);
        groups.fact(new Selected(CONSUMERS, outside.id()), true);
        groups.rule(toDb, true);
        groups.settle();
        assertThat(workloadsWithRules()).doesNotContain(outside.id());

        groups.fact(new InScope(SCOPE, outside.id()), true);
        groups.settle();

        assertThat(workloadsWithRules()).containsExactlyInAnyOrder(WEB_0.id(), WEB_1.id(), outside.id());
    }

    @Test
    void aBackendThatJoinsTheScopeOrGetsItsWorkloadFactJoinsItsBackendGroup() {
        TargetPort onHttp = new TargetPort("service/k/web", "tcp/80", Protocol.TCP, 8080, "backends:k/web:tcp/8080");
        Workload backend = pod("pod/k/web-6");
        Workload pending = pod("pod/k/web-5");
        groups.fact(backend, true);
        groups.fact(new Backend("service/k/web", "tcp/80", Protocol.TCP, 8080, "10.0.0.6", backend.id()), true);
        groups.fact(new InScope(SCOPE, pending.id()), true);
        groups.fact(new Backend("service/k/web", "tcp/80", Protocol.TCP, 8080, "10.0.0.5", pending.id()), true);
        groups.rule(GroupRule.ingress(AppliedTo.backends(onHttp, SCOPE), grant(), "8080", CONSUMERS,
                "Provider pods accept the consumers on the target port", "policy:ws/p"), true);
        groups.settle();
        assertThat(workloadsWithRules()).isEmpty();

        groups.fact(new InScope(SCOPE, backend.id()), true);
        groups.fact(pending, true);
        groups.settle();

        assertThat(workloadsWithRules()).containsExactlyInAnyOrder(backend.id(), pending.id());
    }

    private List<String> workloadsWithRules() {
        return present.keySet().stream().map(said -> said.substring(0, said.indexOf(' '))).distinct().toList();
    }

    private static Workload pod(String id) {
        return new Workload(id, WorkloadKind.POD, "k", id);
    }

    private static io.microseg.facts.PolicyPort grant() {
        return new io.microseg.facts.PolicyPort("ws/p", "ws", SCOPE, CONSUMERS, "match:db", Action.ALLOW, Rank.DEFAULT,
                100, Protocol.TCP, "27017", null, Enforcement.ENFORCE);
    }
}
