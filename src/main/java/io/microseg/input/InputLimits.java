package io.microseg.input;

/**
 * Bounds on what one input file may hold, so that pathological input is refused in well under a
 * second with a message saying which bound it broke, rather than read for minutes or until memory
 * runs out. Files themselves have no size limit: documents are read one object at a time.
 */
public final class InputLimits {
    private InputLimits() {}

    /**
     * The longest scalar value: 1 MiB characters. Kubernetes stores a whole object in under 1.5 MiB
     * (a ConfigMap's data in at most 1 MiB) and all annotations of an object in 256 KiB together.
     */
    public static final int MAX_SCALAR_CHARS = 1 << 20;

    /**
     * The longest line of a YAML file: 256 KiB characters. SnakeYAML's scanner takes time quadratic
     * in the length of an unbroken run of characters (a second for 1 MiB, twenty for 10 MiB), so a
     * longer line is refused before it is scanned. Longer text fits in a block scalar ({@code |})
     * over several lines; JSON files, read by Jackson's linear scanner, have no line limit.
     */
    public static final int MAX_YAML_LINE_CHARS = 1 << 18;

    /** How deeply mappings and lists may nest: Kubernetes objects nest about 10 deep, CRD schemas a few dozen. */
    public static final int MAX_DEPTH = 200;

    /**
     * The most values one object may hold, counting each YAML alias as the values it stands for: a
     * pod holds a few hundred. This is what refuses an alias bomb ("billion laughs"), whose aliases
     * of aliases stand for billions of values in a few lines.
     */
    public static final int MAX_OBJECT_VALUES = 1_000_000;
}
