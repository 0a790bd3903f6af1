package io.microseg.inventory;

/** A service's targetPort: a number, or a container port name resolved per pod. Exactly one is set. */
public record TargetPort(Integer number, String name) {
    public static TargetPort of(int number) {
        return new TargetPort(number, null);
    }

    public static TargetPort named(String name) {
        return new TargetPort(null, name);
    }

    public boolean isNamed() {
        return name != null;
    }

    @Override
    public String toString() {
        return isNamed() ? name : number.toString();
    }
}
