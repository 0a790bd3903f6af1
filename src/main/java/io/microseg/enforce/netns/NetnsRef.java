package io.microseg.enforce.netns;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A network namespace the agent runs commands in, and the command prefix that enters it.
 *
 * <ul>
 *   <li>{@link Own}: the namespace the agent itself runs in; no prefix.</li>
 *   <li>{@link Named}: a name under {@code /run/netns}, entered with {@code ip netns exec NAME} (the mapping
 *       file's vocabulary).</li>
 *   <li>{@link ByPath}: any file that is a network namespace ({@code /proc/PID/ns/net}, a bind mount under a
 *       netns directory), entered with {@code nsenter --net=PATH}; {@code inode} is the namespace's inode when
 *       the path was resolved (0 when unknown), so that a path that now leads elsewhere (a pid reused, a name
 *       re-created) is told apart from the namespace it named.</li>
 * </ul>
 */
public sealed interface NetnsRef {
    /** The agent's own namespace. */
    Own OWN = new Own();

    /** The words that run a command inside this namespace, to be followed by the command. */
    List<String> prefix();

    /** How status and log lines name it: "" for the agent's own, else the name or path. */
    String label();

    /** {@link #prefix()} followed by {@code command}. */
    default List<String> command(String... command) {
        List<String> out = new ArrayList<>(prefix());
        out.addAll(List.of(command));
        return out;
    }

    record Own() implements NetnsRef {
        @Override
        public List<String> prefix() {
            return List.of();
        }

        @Override
        public String label() {
            return "";
        }
    }

    record Named(String name) implements NetnsRef {
        public Named {
            if (name == null || name.isEmpty() || name.contains("/") || name.startsWith("-") || name.equals(".") || name.equals("..")
                    || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new IllegalArgumentException("expected a network namespace name (as ip netns lists them), found \"" + name + "\"");
            }
        }

        @Override
        public List<String> prefix() {
            return List.of("ip", "netns", "exec", name);
        }

        @Override
        public String label() {
            return name;
        }
    }

    record ByPath(Path path, long inode) implements NetnsRef {
        public ByPath {
            if (!path.isAbsolute()) throw new IllegalArgumentException("expected an absolute path to a network namespace, found " + path);
        }

        @Override
        public List<String> prefix() {
            return List.of("nsenter", "--net=" + path);
        }

        @Override
        public String label() {
            return path.toString();
        }
    }
}
