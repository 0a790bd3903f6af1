package io.microseg.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Whether a rules folder may be trusted with the server's rights. Whoever can write a DRL file runs
 * code as the server (the code check narrows what DRL may name; it is not a sandbox), and whoever can
 * write a directory on the way to it can swap the files. So the folder, every {@code .drl} file in it
 * (where it really is, links followed), the directories those files are really in, and every directory
 * above the folder must each be:
 * <ul>
 *   <li>owned by the server's user or by root (root can change anything anyway), and</li>
 *   <li>writable by neither group nor others, except a directory with the sticky bit ({@code /tmp}),
 *       where others cannot rename or delete what they do not own;</li>
 * </ul>
 * a file system mounted read-only (a Kubernetes ConfigMap volume) is trusted whatever its modes say.
 */
public final class RulesFolderTrust {
    private static final int GROUP_WRITE = 0020;
    private static final int OTHER_WRITE = 0002;
    private static final int STICKY = 01000;

    private RulesFolderTrust() {}

    /** What makes the folder untrustworthy, one line per path; empty when it may be trusted. */
    public static List<String> problems(Path folder) {
        List<String> problems = new ArrayList<>();
        int self;
        try {
            self = processUid();
        } catch (IOException | RuntimeException e) {
            return List.of("cannot tell the owners and modes of " + folder + " on this system (" + e + "): expected a Linux "
                    + "file system, or --allow-shared-rules-folder (rules.allowSharedFolder: true) to serve it unchecked");
        }
        Path real;
        try {
            real = folder.toRealPath();
        } catch (IOException e) {
            return List.of("cannot resolve " + folder + ": " + e);
        }
        Set<Path> dirs = new LinkedHashSet<>();
        dirs.add(real);
        Set<Path> files = new LinkedHashSet<>();
        try (Stream<Path> list = Files.list(real)) {
            for (Path f : list.toList()) {
                String name = f.getFileName().toString();
                if (!name.endsWith(".drl") || name.startsWith(".") || !Files.isRegularFile(f)) continue;
                Path file = f.toRealPath();
                files.add(file);
                if (file.getParent() != null) dirs.add(file.getParent());
            }
        } catch (IOException e) {
            return List.of("cannot list " + folder + ": " + e);
        }
        for (Path f : files) check(f, "the rules file %s", self, false, problems);
        for (Path d : dirs) check(d, d.equals(real) ? "the rules folder %s" : "the folder %s holding rules files", self, false, problems);
        Set<Path> above = new LinkedHashSet<>();
        for (Path d : dirs) {
            for (Path p = d.getParent(); p != null; p = p.getParent()) above.add(p);
        }
        for (Path p = folder.toAbsolutePath().normalize().getParent(); p != null; p = p.getParent()) {
            try {
                above.add(p.toRealPath());
            } catch (IOException e) {
                problems.add("cannot resolve " + p + ": " + e);
            }
        }
        above.removeAll(dirs);
        for (Path d : above) check(d, "the folder %s, above the rules,", self, true, problems);
        return problems;
    }

    /** Adds what is wrong with one path; {@code label} names it, {@code %s} standing for the path. */
    private static void check(Path path, String label, int self, boolean stickyAllowed, List<String> problems) {
        String what = String.format(label, path);
        try {
            if (Files.getFileStore(path).isReadOnly()) return;
            int owner = uid(path);
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if (owner != self && owner != 0) {
                problems.add(what + " is owned by uid " + owner + ", not by the server's user (uid " + self + ") or root");
            }
            boolean sticky = stickyAllowed && (mode & STICKY) != 0;
            if ((mode & (GROUP_WRITE | OTHER_WRITE)) != 0 && !sticky) {
                String who = (mode & GROUP_WRITE) != 0 && (mode & OTHER_WRITE) != 0 ? "its group and others"
                        : (mode & GROUP_WRITE) != 0 ? "its group" : "others";
                problems.add(what + " may be written by " + who + " (mode " + String.format("%04o", mode & 07777) + ")");
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            problems.add("cannot read the owner and mode of " + path + ": " + e);
        }
    }

    /** The server's effective user id, from {@code /proc/self/status} ({@code Uid: real effective saved fs}). */
    static int processUid() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
        }
        throw new IOException("no Uid line in /proc/self/status");
    }

    private static int uid(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }
}
