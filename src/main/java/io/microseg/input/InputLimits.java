package io.microseg.input;

/**
 * Bounds on what one input file may hold, so that pathological input is refused in well under a
 * second with a message saying which bound it broke, rather than read for minutes or until memory
 * runs out. Files themselves have no size limit: documents are read one object at a time.
 */
public final class InputLimits {
    private InputLimits() {}

    /**
     * The longest scalar value, and in YAML the longest line: 1 MiB characters. Kubernetes stores a
     * whole object in under 1.5 MiB and limits all annotations of an object to 256 KiB together, so
     * no field of a real object comes near; a longer line is refused before the YAML scanner sees
     * it, as scanning one long run of characters costs time quadratic in its length.
     */
    public static final int MAX_SCALAR_CHARS = 1 << 20;

    /** How deeply mappings and lists may nest: Kubernetes objects nest about 10 deep, CRD schemas a few dozen. */
    public static final int MAX_DEPTH = 200;

    /**
     * The most values one object may hold, counting each YAML alias as the values it stands for: a
     * pod holds a few hundred. This is what refuses an alias bomb ("billion laughs"), whose aliases
     * of aliases stand for billions of values in a few lines.
     */
    public static final int MAX_OBJECT_VALUES = 1_000_000;
}
