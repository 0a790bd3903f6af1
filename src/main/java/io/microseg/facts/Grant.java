package io.microseg.facts;

import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Enforcement;
import io.microseg.policy.Rank;

/** What a derived firewall rule inherits from the policy behind it. */
public sealed interface Grant permits PolicyPort, ServiceGrant {
    String policy();

    Action action();

    Rank rank();

    int priority();

    Protocol protocol();

    /** The enforcement of the policy's workspace. */
    Enforcement enforcement();
}
