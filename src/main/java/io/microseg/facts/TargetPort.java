package io.microseg.facts;

import io.microseg.net.Protocol;

/** Some backends of a service port receive its traffic on {@code port}; they form the set {@code set}. */
public record TargetPort(String service, String portKey, Protocol protocol, int port, String set) {
    public String ports() {
        return Integer.toString(port);
    }
}
