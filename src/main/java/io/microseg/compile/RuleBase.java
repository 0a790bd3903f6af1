package io.microseg.compile;

import org.kie.api.KieBase;
import org.kie.api.KieServices;
import org.kie.api.runtime.KieSession;

/** The compiled DRL rules and where their sources are. Sessions are cheap; the KieBase is built once. */
public record RuleBase(KieBase kieBase, RuleSources sources) {

    /** The rules compiled from {@code rules/} at build time into the executable model (packaged in the jar). */
    public static RuleBase packaged() {
        KieBase base = KieServices.get().getKieClasspathContainer().getKieBase("microseg");
        return new RuleBase(base, RuleSources.packaged());
    }

    public KieSession newSession() {
        return kieBase.newKieSession();
    }
}
