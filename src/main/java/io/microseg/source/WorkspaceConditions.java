package io.microseg.source;

import io.microseg.facts.Warning;
import io.microseg.policy.Workspace;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What microseg states on one Workspace custom resource, as {@code status.conditions}:
 * <ul>
 *   <li>{@code Compiled}: {@code True} (reason {@code Compiled}) with the number of rules the workspace
 *       produces and the engine version it was found at; {@code False} with the first error when its spec
 *       was refused (reason {@code Refused}: the last good version stays in force), or when a workspace of
 *       the same name from another source is in force instead (reason {@code Shadowed});</li>
 *   <li>{@code Warnings}: {@code True} with the number of the compile's warnings about the workspace's
 *       policies and the first {@value #SHOWN} of them; {@code False} when there are none.</li>
 * </ul>
 * The record leaves the engine version out on purpose: two versions at which nothing changed for a
 * workspace give equal records, so its status is written only when something about it changed.
 * {@code status.compiledVersion} holds the version the conditions were written at, and
 * {@link #sameAs} compares with what a resource holds by rendering this record at that version.
 */
public record WorkspaceConditions(long generation, boolean compiled, String reason, String problem, int rules,
                                  int warnings, List<String> firstWarnings) {
    /** Warnings quoted in the condition's message. */
    static final int SHOWN = 3;
    /** Longest text quoted from an error or a warning: the status is for people, the whole text is in the log. */
    private static final int QUOTE = 300;

    public WorkspaceConditions {
        firstWarnings = List.copyOf(firstWarnings);
    }

    /**
     * The conditions of {@code resource}, read from cluster source {@code source}; empty while there is
     * nothing to state (the engine has not taken the resource yet).
     *
     * @param inForce    the workspaces in force, by name
     * @param rules      the number of rules each workspace produces, by workspace name
     * @param warnings   the compile's warnings, by workspace name
     */
    public static Optional<WorkspaceConditions> of(WorkspaceResource resource, String source, Map<String, Workspace> inForce,
                                                   Map<String, Integer> rules, Map<String, List<Warning>> warnings) {
        String name = resource.name();
        Workspace ws = inForce.get(name);
        boolean ours = ws != null && ws.source().equals(source);
        List<Warning> found = ours ? warnings.getOrDefault(name, List.of()) : List.of();
        List<String> first = found.stream().limit(SHOWN).map(w -> quote(w.policy() + ": " + w.message())).toList();
        int count = ours ? rules.getOrDefault(name, 0) : 0;
        if (resource.refused() != null) {
            return Optional.of(new WorkspaceConditions(resource.generation(), false, "Refused", quote(resource.refused()), count,
                    found.size(), first));
        }
        if (ws == null) return Optional.empty();
        if (!ours) {
            return Optional.of(new WorkspaceConditions(resource.generation(), false, "Shadowed",
                    "workspace " + name + " is also defined by " + ws.source() + ", which is in force instead", 0, 0, List.of()));
        }
        return Optional.of(new WorkspaceConditions(resource.generation(), true, "Compiled", null, count, found.size(), first));
    }

    /** The whole {@code status} at engine version {@code version}; a condition whose status is unchanged keeps its transition time. */
    public Map<String, Object> status(long version, Map<String, Object> previous, Instant now) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("observedGeneration", generation);
        s.put("compiledVersion", version);
        List<Map<String, Object>> conditions = new ArrayList<>();
        for (Map<String, Object> c : conditions(version)) {
            Map<String, Object> was = condition(previous, (String) c.get("type"));
            boolean same = was != null && Objects.equals(was.get("status"), c.get("status")) && was.get("lastTransitionTime") != null;
            c.put("lastTransitionTime", same ? was.get("lastTransitionTime") : now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
            conditions.add(c);
        }
        s.put("conditions", conditions);
        return s;
    }

    /** Whether {@code status}, as a resource holds it, already says what this record says (at the version it names). */
    public boolean sameAs(Map<String, Object> status) {
        if (!(status.get("compiledVersion") instanceof Number version)) return false;
        if (!(status.get("observedGeneration") instanceof Number g) || g.longValue() != generation) return false;
        for (Map<String, Object> want : conditions(version.longValue())) {
            Map<String, Object> have = condition(status, (String) want.get("type"));
            if (have == null) return false;
            for (String field : List.of("status", "reason", "message", "observedGeneration")) {
                Object a = want.get(field);
                Object b = have.get(field);
                boolean equal = a instanceof Number n && b instanceof Number m ? n.longValue() == m.longValue() : Objects.equals(a, b);
                if (!equal) return false;
            }
        }
        return true;
    }

    private List<Map<String, Object>> conditions(long version) {
        String compiledMessage = compiled ? rules + " rules at engine version " + version : problem;
        String warningsMessage = warnings == 0 ? "no warnings" : warnings + " warnings: " + String.join("; ", firstWarnings)
                + (warnings > firstWarnings.size() ? "; ..." : "");
        return List.of(condition("Compiled", compiled, reason, compiledMessage),
                condition("Warnings", warnings > 0, warnings > 0 ? "Warnings" : "NoWarnings", warningsMessage));
    }

    private Map<String, Object> condition(String type, boolean status, String reason, String message) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("type", type);
        c.put("status", status ? "True" : "False");
        c.put("reason", reason);
        c.put("message", message);
        c.put("observedGeneration", generation);
        return c;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> condition(Map<String, Object> status, String type) {
        if (status == null || !(status.get("conditions") instanceof List<?> list)) return null;
        for (Object o : list) {
            if (o instanceof Map<?, ?> m && type.equals(m.get("type"))) return (Map<String, Object>) m;
        }
        return null;
    }

    private static String quote(String text) {
        String t = text.replaceAll("\\s+", " ").trim();
        return t.length() <= QUOTE ? t : t.substring(0, QUOTE) + "...";
    }
}
