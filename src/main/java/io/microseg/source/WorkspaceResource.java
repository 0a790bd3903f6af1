package io.microseg.source;

import java.util.Map;

/**
 * A Workspace custom resource as this process last read it from its cluster: its name, its
 * {@code metadata.generation} (the version of its spec), the {@code status} it carries (empty when none)
 * and, when microseg refused its spec, the reason ({@code refused}, null when it was read).
 */
public record WorkspaceResource(String name, long generation, Map<String, Object> status, String refused) {
    public WorkspaceResource {
        status = status == null ? Map.of() : status;
    }
}
