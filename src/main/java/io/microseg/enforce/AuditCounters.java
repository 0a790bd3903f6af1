package io.microseg.enforce;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microseg.controlplane.AgentStatus;
import io.microseg.controlplane.CompiledRule;
import io.microseg.enforce.netns.CommandRunner;
import io.microseg.enforce.netns.NetnsRef;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Reads back what the audited DENY rules of an agent's view counted: {@code nft -j list table inet microseg}
 * in each namespace that holds such a rule (a pod's, or its node's for the part of its EGRESS rules judged after
 * DNAT), the rules found by their log prefix ({@link #PREFIX} and the rule
 * id, as {@link NftRuleset} renders them), their {@code counter}s summed over the rule's lines (one per address
 * family). Each counter names its instance: the table's handle (a re-created table gets a new one) and the
 * lines' handles, so that whoever sums reports can tell a counter that went on from one that started again.
 *
 * <p>A namespace whose listing fails (a pod's sandbox just went away) gives no counters this time; nothing
 * else depends on it. At most {@link AgentStatus#MAX_AUDIT_COUNTERS} counters are returned, the first by rule id.
 */
public final class AuditCounters {
    /** The start of an audited rule's log prefix, followed by its rule id and a space. */
    public static final String PREFIX = "microseg ";

    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditCounters() {}

    /**
     * The counters of the audited DENY rules of {@code view}, read where each namespace section (the agent's own,
     * {@code node} or {@code host}, or a pod's id) is applied; a section not in {@code appliedIn} is not read.
     */
    public static List<AgentStatus.RuleCounter> read(CommandRunner runner, AgentView view, Map<String, NetnsRef> appliedIn) {
        Map<String, Set<String>> bySection = new TreeMap<>();
        // a pod's EGRESS rules from the first one judged after DNAT on are in its node's table
        Set<CompiledRule> onNode = new java.util.HashSet<>();
        if (view.agent().startsWith("node/")) NftRuleset.afterDnat(view.rules()).values().forEach(onNode::addAll);
        for (CompiledRule r : view.rules()) {
            if (!r.audited()) continue;
            String section = onNode.contains(r) ? NftRuleset.sectionOf(view.agent(), view.agent()) : NftRuleset.sectionOf(view.agent(), r.workload());
            bySection.computeIfAbsent(section, k -> new TreeSet<>()).add(r.id());
        }
        Map<String, AgentStatus.RuleCounter> out = new TreeMap<>();
        for (var e : bySection.entrySet()) {
            NetnsRef ns = appliedIn.get(e.getKey());
            if (ns == null) continue;
            CommandRunner.Result listed;
            try {
                listed = runner.run(ns.command("nft", "-j", "list", "table", "inet", NftRuleset.TABLE), "");
            } catch (IOException ex) {
                continue;
            }
            if (listed.exit() != 0) continue;
            parse(listed.output(), e.getValue()).forEach((id, c) -> out.merge(id, c, AuditCounters::sum));
        }
        return out.values().stream().limit(AgentStatus.MAX_AUDIT_COUNTERS).toList();
    }

    /**
     * The counters of the rules {@code wanted} in one namespace's {@code nft -j} listing of the table, by rule id;
     * an unreadable listing gives none.
     */
    static Map<String, AgentStatus.RuleCounter> parse(String json, Set<String> wanted) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            return Map.of();
        }
        long table = -1;
        Map<String, long[]> counts = new TreeMap<>();
        Map<String, List<Long>> handles = new TreeMap<>();
        for (JsonNode item : root.path("nftables")) {
            if (item.has("table")) table = item.path("table").path("handle").asLong(-1);
            JsonNode rule = item.path("rule");
            if (rule.isMissingNode()) continue;
            String id = null;
            long packets = -1;
            long bytes = -1;
            for (JsonNode expr : rule.path("expr")) {
                String prefix = expr.path("log").path("prefix").asText("");
                if (prefix.startsWith(PREFIX)) id = prefix.substring(PREFIX.length()).trim();
                if (expr.has("counter")) {
                    packets = expr.path("counter").path("packets").asLong(-1);
                    bytes = expr.path("counter").path("bytes").asLong(-1);
                }
            }
            if (id == null || !wanted.contains(id) || packets < 0 || bytes < 0) continue;
            long[] c = counts.computeIfAbsent(id, k -> new long[2]);
            c[0] += packets;
            c[1] += bytes;
            handles.computeIfAbsent(id, k -> new ArrayList<>()).add(rule.path("handle").asLong(-1));
        }
        long tableHandle = table;
        Map<String, AgentStatus.RuleCounter> out = new TreeMap<>();
        counts.forEach((id, c) -> out.put(id, new AgentStatus.RuleCounter(id,
                tableHandle + "/" + handles.get(id).stream().sorted().map(String::valueOf).collect(Collectors.joining(",")), c[0], c[1])));
        return out;
    }

    private static AgentStatus.RuleCounter sum(AgentStatus.RuleCounter a, AgentStatus.RuleCounter b) {
        return new AgentStatus.RuleCounter(a.rule(), a.instance() + ";" + b.instance(), a.packets() + b.packets(), a.bytes() + b.bytes());
    }
}
