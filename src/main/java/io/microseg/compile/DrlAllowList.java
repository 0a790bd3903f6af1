package io.microseg.compile;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The classes DRL may name: the vocabulary the rules are written in, and nothing that reaches outside
 * the engine. A DRL file is compiled to Java and runs inside the server with the server's rights, so
 * what it may name is what it may do.
 * <ul>
 *   <li>every class of {@code io.microseg.facts} (the facts, their helpers and nested types: reviewed Java);</li>
 *   <li>the model's value types the facts expose ({@code ServiceType}, {@code Protocol}, {@code Action},
 *       {@code Direction}, {@code Rank}, {@code PortSpec});</li>
 *   <li>{@code java.lang} value types ({@code String}, {@code Integer}, {@code Long}, {@code Boolean},
 *       {@code Math}, ...);</li>
 *   <li>{@code java.util} collections and their helpers, each by name ({@code java.util.*} would also
 *       bring in {@code Timer}, which starts threads, and {@code ServiceLoader}, which loads classes).</li>
 * </ul>
 * Members that reach the class machinery or the process from any object ({@code getClass()},
 * {@code .class}, {@code getRuntime}, {@code exec}, {@code exit}, ...) are refused whatever they are
 * called on.
 */
public final class DrlAllowList {
    private DrlAllowList() {}

    public static final String FACTS = "io.microseg.facts";

    private static final Set<String> MODEL_VALUES = Set.of("io.microseg.inventory.ServiceType", "io.microseg.net.Protocol",
            "io.microseg.policy.Action", "io.microseg.policy.Direction", "io.microseg.policy.Rank", "io.microseg.policy.PortSpec");

    /** Visible in DRL without an import, as in Java. */
    private static final Set<String> JAVA_LANG = Set.of("String", "CharSequence", "StringBuilder", "Integer", "Long", "Short",
            "Byte", "Double", "Float", "Boolean", "Character", "Number", "Math", "StrictMath", "Object", "Comparable", "Iterable",
            "IllegalArgumentException", "IllegalStateException");

    private static final Set<String> JAVA_UTIL = Set.of("List", "ArrayList", "LinkedList", "Map", "HashMap", "LinkedHashMap",
            "TreeMap", "SortedMap", "NavigableMap", "Set", "HashSet", "LinkedHashSet", "TreeSet", "SortedSet", "NavigableSet",
            "Collection", "Collections", "Arrays", "Objects", "Optional", "Comparator", "Iterator", "Deque", "ArrayDeque", "Queue",
            "Locale");

    /** What a few classes and packages outside the list would do: the reason a refusal gives. */
    private static final Map<String, String> WHY = Map.ofEntries(
            Map.entry("java.lang.Runtime", "it runs programs as the server"),
            Map.entry("java.lang.ProcessBuilder", "it runs programs as the server"),
            Map.entry("java.lang.Process", "it runs programs as the server"),
            Map.entry("java.lang.ProcessHandle", "it reaches the server's and other processes"),
            Map.entry("java.lang.System", "it exits the server and reads its environment and properties"),
            Map.entry("java.lang.Thread", "it starts threads or stops the engine's"),
            Map.entry("java.lang.ThreadGroup", "it starts threads"),
            Map.entry("java.lang.Runnable", "it is how threads are started"),
            Map.entry("java.lang.Class", "reflection reaches any class"),
            Map.entry("java.lang.ClassLoader", "it loads classes"),
            Map.entry("java.lang.Module", "reflection reaches any class"),
            Map.entry("java.lang.ModuleLayer", "it loads classes"),
            Map.entry("java.lang.StackWalker", "reflection reaches any class"),
            Map.entry("java.lang.SecurityManager", "it changes the server's security"),
            Map.entry("java.lang.reflect", "reflection reaches any class"),
            Map.entry("java.lang.invoke", "method handles reach any class"),
            Map.entry("java.util.concurrent", "it starts threads"),
            Map.entry("java.util.Timer", "it starts threads"),
            Map.entry("java.util.ServiceLoader", "it loads classes"),
            Map.entry("java.io", "it reads and writes files"),
            Map.entry("java.nio", "it reads and writes files"),
            Map.entry("java.net", "it opens network connections"),
            Map.entry("javax.net", "it opens network connections"),
            Map.entry("java.rmi", "it opens network connections"),
            Map.entry("javax.script", "it runs code given as text"),
            Map.entry("java.sql", "it opens connections"),
            Map.entry("sun", "it reaches the JVM's internals"),
            Map.entry("jdk", "it reaches the JVM's internals"));

    private static final Map<String, String> MEMBERS = Map.ofEntries(
            Map.entry("class", "a class literal is the way into reflection"),
            Map.entry("getClass", "reflection reaches any class"),
            Map.entry("getClassLoader", "it loads classes"),
            Map.entry("getContextClassLoader", "it loads classes"),
            Map.entry("loadClass", "it loads classes"),
            Map.entry("defineClass", "it loads classes"),
            Map.entry("forName", "it loads classes by name"),
            Map.entry("newInstance", "reflection constructs any class"),
            Map.entry("invoke", "reflection calls any method"),
            Map.entry("invokeExact", "method handles call any method"),
            Map.entry("invokeWithArguments", "method handles call any method"),
            Map.entry("lookup", "method handles reach any class"),
            Map.entry("setAccessible", "reflection opens private members"),
            Map.entry("getDeclaredMethod", "reflection reaches any method"),
            Map.entry("getDeclaredMethods", "reflection reaches any method"),
            Map.entry("getMethod", "reflection reaches any method"),
            Map.entry("getMethods", "reflection reaches any method"),
            Map.entry("getDeclaredField", "reflection reaches any field"),
            Map.entry("getDeclaredFields", "reflection reaches any field"),
            Map.entry("getField", "reflection reaches any field"),
            Map.entry("getFields", "reflection reaches any field"),
            Map.entry("getDeclaredConstructor", "reflection constructs any class"),
            Map.entry("getConstructor", "reflection constructs any class"),
            Map.entry("getRuntime", "it runs programs as the server"),
            Map.entry("exec", "it runs programs as the server"),
            Map.entry("exit", "it stops the server"),
            Map.entry("halt", "it stops the server"),
            Map.entry("load", "it loads native code"),
            Map.entry("loadLibrary", "it loads native code"),
            Map.entry("getenv", "it reads the server's environment"),
            Map.entry("getProperty", "it reads the server's properties"),
            Map.entry("getProperties", "it reads the server's properties"),
            Map.entry("setProperty", "it changes the server's properties"),
            Map.entry("getInteger", "it reads the server's properties"),
            Map.entry("getLong", "it reads the server's properties"),
            Map.entry("getBoolean", "it reads the server's properties"));

    /** What is allowed, in the words of an error message. */
    public static final String EXPECTED = "expected a class of " + FACTS + ", one of the model's value types (ServiceType, "
            + "Protocol, Action, Direction, Rank, PortSpec), a java.lang value type (String, Integer, Long, Boolean, Math, ...) "
            + "or a java.util collection (List, Map, Set, Collections, ...)";

    private static final Map<String, Boolean> FACT_CLASSES = new ConcurrentHashMap<>();

    /** Whether DRL may import (or name in full) this class; a nested class counts as its outer class. */
    public static boolean allowsClass(String qualified) {
        if (qualified.startsWith(FACTS + ".")) return isFact(qualified.substring(FACTS.length() + 1).split("\\.")[0]);
        if (MODEL_VALUES.contains(qualified)) return true;
        if (qualified.startsWith("java.lang.")) return JAVA_LANG.contains(qualified.substring("java.lang.".length()));
        if (qualified.startsWith("java.util.")) {
            String rest = qualified.substring("java.util.".length());
            String outer = rest.split("\\.")[0];
            return JAVA_UTIL.contains(outer) && (rest.equals(outer) || rest.equals("Map.Entry"));
        }
        return false;
    }

    /** Whether a class may be named without an import, as {@code java.lang}'s are. */
    public static boolean allowsUnimported(String simpleName) {
        return JAVA_LANG.contains(simpleName);
    }

    /** Whether {@code simpleName} is a class of the facts package (what {@code import io.microseg.facts.*} makes visible). */
    public static boolean isFact(String simpleName) {
        return FACT_CLASSES.computeIfAbsent(simpleName, n ->
                DrlAllowList.class.getClassLoader().getResource(FACTS.replace('.', '/') + "/" + n + ".class") != null);
    }

    /** The only package DRL may import with a wildcard. */
    public static boolean allowsWildcard(String pkg) {
        return pkg.equals(FACTS);
    }

    /** Why a member may not be used on anything, if it may not. */
    public static Optional<String> refusedMember(String member) {
        return Optional.ofNullable(MEMBERS.get(member));
    }

    /**
     * Why a class (qualified, or a simple name as {@code java.lang} would resolve it) is refused: the
     * reason of the most specific class or package listed, or that it is not in the list.
     */
    public static String whyNot(String qualified) {
        String name = qualified;
        while (true) {
            String why = WHY.get(name);
            if (why != null) return why;
            int dot = name.lastIndexOf('.');
            if (dot < 0) return "it is not in the rules' vocabulary";
            name = name.substring(0, dot);
        }
    }

    /** The top-level packages a name like {@code java.lang.Runtime} or {@code com.x.y} starts with. */
    public static boolean isPackageRoot(String name) {
        return ROOTS.contains(name);
    }

    private static final List<String> ROOTS = List.of("java", "javax", "jdk", "sun", "com", "org", "net", "io", "jakarta",
            "kotlin", "scala", "groovy", "ch", "de", "picocli", "mvel", "mvel2");
}
