package io.microseg.compile;

import org.drools.model.Model;
import org.drools.modelcompiler.KieBaseBuilder;
import org.kie.api.KieBase;
import org.kie.api.KieServices;
import org.kie.api.conf.EqualityBehaviorOption;
import org.kie.api.runtime.KieSession;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The compiled DRL rules and where their sources are. Sessions are cheap; the KieBase is built once. */
public record RuleBase(KieBase kieBase, RuleSources sources) {
    /** The build's index of the executable-model classes it generated from rules/. */
    private static final String MODEL_INDEX = "META-INF/kie/io.microseg/microseg/drools-model";

    /**
     * The rules compiled from {@code rules/} at build time into the executable model (packaged in the
     * jar). The model classes named in the build's index are instantiated directly: the classpath
     * KieContainer would find the same ones through kmodule.xml, but takes seconds to scan a fat jar.
     * Equality behaviour is set here as kmodule.xml sets it.
     */
    public static RuleBase packaged() {
        List<Model> models = new ArrayList<>();
        for (String name : modelClassNames()) {
            try {
                models.add((Model) Class.forName(name).getConstructor().newInstance());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("the packaged rule model " + name + " cannot be loaded", e);
            }
        }
        KieBase base = models.isEmpty()
                ? KieServices.get().getKieClasspathContainer().getKieBase("microseg")
                : KieBaseBuilder.createKieBaseFromModel(models, EqualityBehaviorOption.EQUALITY);
        return new RuleBase(base, RuleSources.packaged());
    }

    private static List<String> modelClassNames() {
        try (InputStream in = RuleBase.class.getClassLoader().getResourceAsStream(MODEL_INDEX)) {
            if (in == null) return List.of();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::trim)
                    .filter(l -> !l.isEmpty() && !l.startsWith("Drools-Model-Version")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The names of the DRL rules in the rule base, sorted. */
    public java.util.SortedSet<String> ruleNames() {
        java.util.SortedSet<String> names = new java.util.TreeSet<>();
        kieBase.getKiePackages().forEach(p -> p.getRules().forEach(r -> names.add(r.getName())));
        return java.util.Collections.unmodifiableSortedSet(names);
    }

    /** The content digest of the DRL the rules were built from. */
    public String digest() {
        return sources.digest();
    }

    public KieSession newSession() {
        return kieBase.newKieSession();
    }
}
