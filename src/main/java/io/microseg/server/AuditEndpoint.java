package io.microseg.server;

import io.microseg.agents.AuditBook;
import io.microseg.controlplane.CompiledRule;
import io.microseg.policy.Rank;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code GET /v1/audit} (operators, {@code docs/audit.md}): per audited workspace, policy and rule, what its
 * audited DENY rules would have dropped, summed over the agents' reports ({@link AuditBook}):
 * <pre>
 * {"version":V,"workspaces":[{"workspace","packets","bytes","policies":[{"policy","packets","bytes",
 *   "rules":[{"id","workload","direction","protocol","ports","peerSet","rank","priority","packets","bytes","agents"}]}]}]}
 * </pre>
 * Every audited DENY rule compiled now is listed, with zeros until an agent reports it; workspaces, policies
 * and rules in the compile's order.
 */
final class AuditEndpoint {
    private final AuditBook book;

    AuditEndpoint(AuditBook book) {
        this.book = book;
    }

    Answer answer(CompiledReads.Reads reads) {
        // one workload's rules made at a time, the audited ones kept
        List<CompiledRule> audited = reads.snapshot().compilation().workloads().values().stream()
                .flatMap(w -> w.rules().stream()).filter(CompiledRule::audited).toList();
        Map<String, AuditBook.Totals> totals = book.totals(audited.stream().map(CompiledRule::id).collect(Collectors.toSet()));
        Map<String, Map<String, List<CompiledRule>>> byWorkspace = new TreeMap<>();
        for (CompiledRule r : audited) {
            String workspace = r.policy().substring(0, r.policy().lastIndexOf('/'));
            byWorkspace.computeIfAbsent(workspace, k -> new TreeMap<>()).computeIfAbsent(r.policy(), k -> new ArrayList<>()).add(r);
        }
        List<Map<String, Object>> workspaces = new ArrayList<>();
        byWorkspace.forEach((workspace, policies) -> {
            long[] wsSum = new long[2];
            List<Map<String, Object>> policyList = new ArrayList<>();
            policies.forEach((policy, rules) -> {
                long[] sum = new long[2];
                List<Map<String, Object>> ruleList = new ArrayList<>();
                for (CompiledRule r : rules) {
                    AuditBook.Totals t = totals.getOrDefault(r.id(), new AuditBook.Totals(0, 0, 0));
                    sum[0] += t.packets();
                    sum[1] += t.bytes();
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", r.id());
                    m.put("workload", r.workload());
                    m.put("direction", r.direction().name());
                    m.put("protocol", r.protocol().name());
                    m.put("ports", r.ports());
                    m.put("peerSet", r.peerSet());
                    m.put("rank", r.rank().name());
                    m.put("priority", r.priority());
                    m.put("packets", t.packets());
                    m.put("bytes", t.bytes());
                    m.put("agents", t.agents());
                    ruleList.add(m);
                }
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("policy", policy);
                p.put("catchAll", rules.get(0).rank() == Rank.CATCHALL);
                p.put("packets", sum[0]);
                p.put("bytes", sum[1]);
                p.put("rules", ruleList);
                policyList.add(p);
                wsSum[0] += sum[0];
                wsSum[1] += sum[1];
            });
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("workspace", workspace);
            w.put("packets", wsSum[0]);
            w.put("bytes", wsSum[1]);
            w.put("policies", policyList);
            workspaces.add(w);
        });
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", reads.snapshot().version());
        m.put("workspaces", workspaces);
        return Answer.json(200, m);
    }
}
