package io.microseg.compile;

import io.microseg.compile.DrlTokens.Kind;
import io.microseg.compile.DrlTokens.Name;
import io.microseg.compile.DrlTokens.Token;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Refuses DRL that could do anything but derive facts: DRL is compiled to Java and runs in the server
 * with its rights, so a consequence calling {@code Runtime.getRuntime().exec(...)} would run a program
 * as the server. Runs before anything is compiled, on the text, and reports each refusal as
 * {@code rules/<file>.drl:<line>:<col>} (the first per line):
 * <ul>
 *   <li>every class a file imports or names must be on the {@link DrlAllowList} (imports one by one;
 *       the only wildcard is {@code io.microseg.facts.*});</li>
 *   <li>members that lead into reflection or the process ({@code getClass}, {@code .class},
 *       {@code exec}, {@code exit}, ...) are refused on anything;</li>
 *   <li>{@code function}, {@code global} and {@code declare} are refused: each brings Java into the rules
 *       from outside the reviewed vocabulary; so are {@code import function|static|accumulate} and any
 *       dialect but {@code "java"};</li>
 *   <li>{@code drools} and {@code kcontext} give access to the session: only {@code drools.getRule()} is allowed;</li>
 *   <li>a Unicode escape or a text block, which javac reads differently from how they look, is refused;</li>
 *   <li>a pattern on a fact the engine keeps beside the session ({@code Selected}, {@code InScope},
 *       {@code Backend}) is refused: it would never match, and a rule that silently never fires (a DENY
 *       among them) is not what its author wrote.</li>
 * </ul>
 */
public final class DrlCodeCheck {
    private DrlCodeCheck() {}

    private static final Map<String, String> KEYWORDS = Map.of(
            "function", "a DRL function is a Java method outside any rule and may run any code; put the logic in a method of a "
                    + "class of " + DrlAllowList.FACTS + ", where it is reviewed as Java",
            "global", "a global hands the rules an object from outside the facts, whose methods may do anything; the rules "
                    + "work on facts only",
            "declare", "declare defines new classes in DRL, whose field initialisers are any Java; the rules' types are the "
                    + "classes of " + DrlAllowList.FACTS);
    private static final Set<String> IMPORT_KINDS = Set.of("function", "static", "accumulate");
    private static final Set<String> PRIMITIVES = Set.of("boolean", "byte", "char", "short", "int", "long", "float", "double");
    private static final Set<String> SESSION = Set.of("drools", "kcontext");
    private static final Set<String> REFUSED_PACKAGES = Set.of("java", "javax", "jdk", "sun", "com.sun", "io.microseg");

    /** Every refusal in the rule files, file by file. */
    public static List<DrlProblem> check(RuleFiles files) {
        List<DrlProblem> problems = new ArrayList<>();
        files.files().forEach((file, text) -> problems.addAll(check(file, text)));
        return problems;
    }

    /** The refusals in one file, named {@code file} ({@code rules/<name>.drl}) in the problems. */
    public static List<DrlProblem> check(String file, String text) {
        return new FileCheck(file, DrlTokens.of(text)).run();
    }

    private static final class FileCheck {
        private final String file;
        private final List<Token> tokens;
        private final List<DrlProblem> problems = new ArrayList<>();
        private final Set<Integer> linesReported = new HashSet<>();
        /** Simple names made visible by imports that passed. */
        private final Set<String> imported = new HashSet<>();
        private boolean factsImported;
        /** Token positions of names an import or package statement covers. */
        private final Set<Integer> skipped = new HashSet<>();
        /** The rule each token is in, by token index (null outside rules). */
        private final String[] ruleAt;

        FileCheck(String file, List<Token> tokens) {
            this.file = file;
            this.tokens = tokens;
            this.ruleAt = new String[tokens.size()];
            String rule = null;
            for (int i = 0; i < tokens.size(); i++) {
                Token t = tokens.get(i);
                boolean header = (t.isName("rule") || t.isName("query")) && (i == 0 || !tokens.get(i - 1).isSymbol("."))
                        && i + 1 < tokens.size() && tokens.get(i + 1).kind() == Kind.STRING;
                if (header) rule = tokens.get(i + 1).text();
                ruleAt[i] = rule;
                if (t.isName("end") && (i == 0 || !tokens.get(i - 1).isSymbol("."))) rule = null;
            }
        }

        List<DrlProblem> run() {
            for (int i = 0; i < tokens.size(); i++) {
                Token t = tokens.get(i);
                if (t.kind() == Kind.UNREADABLE) refuse(i, t, t.text());
                boolean member = i > 0 && (tokens.get(i - 1).isSymbol(".") || tokens.get(i - 1).isSymbol("@"));
                if (t.kind() == Kind.NAME && !member && KEYWORDS.containsKey(t.text())) {
                    refuse(i, t, t.text() + " is refused: " + KEYWORDS.get(t.text()));
                }
                if (t.isName("dialect") && !member && i + 1 < tokens.size() && tokens.get(i + 1).kind() == Kind.STRING
                        && !tokens.get(i + 1).text().equals("java")) {
                    refuse(i, t, "dialect \"" + tokens.get(i + 1).text() + "\" is refused: expected dialect \"java\", the one the check reads");
                }
            }
            patternsBesideSession();
            imports();
            List<Name> names = DrlTokens.names(tokens);
            for (Name n : names) name(n);
            problems.sort(java.util.Comparator.comparingInt(DrlProblem::line).thenComparingInt(DrlProblem::column));
            return List.copyOf(problems);
        }

        /** A pattern ({@code Type(} in a rule's conditions) on a fact that never enters the session. */
        private void patternsBesideSession() {
            boolean conditions = false;
            for (int i = 0; i < tokens.size(); i++) {
                Token t = tokens.get(i);
                boolean member = i > 0 && tokens.get(i - 1).isSymbol(".");
                if (member || t.kind() != Kind.NAME) continue;
                if (t.isName("when")) conditions = ruleAt[i] != null;
                else if (t.isName("then") || t.isName("end")) conditions = false;
                else if (conditions && i + 1 < tokens.size() && tokens.get(i + 1).isSymbol("(")) {
                    for (Map.Entry<Class<?>, String> kept : ObjectFacts.KEPT_BESIDE_SESSION.entrySet()) {
                        if (t.text().equals(kept.getKey().getSimpleName())) {
                            refuse(i, t, t.text() + " is not a fact of the session, so this pattern would never match: " + kept.getValue());
                        }
                    }
                }
            }
        }

        /** {@code import a.b.C;}, {@code import a.b.*;} and {@code package a.b;}: their names are checked here, not as code. */
        private void imports() {
            for (int i = 0; i < tokens.size(); i++) {
                Token t = tokens.get(i);
                boolean statement = t.isName("import") || t.isName("package");
                if (!statement || (i > 0 && tokens.get(i - 1).isSymbol("."))) continue;
                if (i + 1 >= tokens.size() || tokens.get(i + 1).kind() != Kind.NAME) {
                    refuse(i, t, "expected a name after " + t.text());
                    continue;
                }
                Token at = tokens.get(i + 1);
                if (t.isName("import") && IMPORT_KINDS.contains(at.text())) {
                    refuse(i, at, "import " + at.text() + " is refused: it brings a Java method into the rules; import classes of "
                            + "the vocabulary only (" + DrlAllowList.EXPECTED + ")");
                    skipped.add(i + 2);
                    continue;
                }
                Name n = DrlTokens.names(tokens.subList(i + 1, tokens.size())).get(0);
                skipped.add(i + 1);
                String name = n.text();
                int star = i + 2 * n.parts().size() + 1; // import a . b . * : the name's parts, a dot, the star
                boolean wildcard = n.after() != null && n.after().isSymbol(".") && star < tokens.size() && tokens.get(star).isSymbol("*");
                if (t.isName("package")) {
                    for (String p : REFUSED_PACKAGES) {
                        if (name.equals(p) || name.startsWith(p + ".")) {
                            refuse(i, at, "package " + name + " is refused: expected a package of the rules' own, such as rules");
                        }
                    }
                } else if (wildcard) {
                    if (DrlAllowList.allowsWildcard(name)) factsImported = true;
                    else refuse(i, at, "import " + name + ".* is refused: import each class by name; " + DrlAllowList.EXPECTED
                            + (name.equals("java.util") ? " (java.util.* would also bring in Timer, which starts threads, and "
                            + "ServiceLoader, which loads classes)" : ""));
                } else if (DrlAllowList.allowsClass(name)) {
                    imported.add(n.parts().get(n.parts().size() - 1).text());
                } else {
                    refuse(i, at, "import " + name + " is refused: " + DrlAllowList.whyNot(name) + "; " + DrlAllowList.EXPECTED);
                }
            }
        }

        private void name(Name n) {
            if (skipped.contains(n.index())) return;
            Token before = n.before();
            if (before != null && before.isSymbol("@")) return; // an annotation: metadata, not code
            List<Token> parts = n.parts();
            if (n.afterDot()) {
                members(n, 0);
                return;
            }
            Token first = n.first();
            String head = first.text();
            if (SESSION.contains(head)) {
                if (parts.size() < 2 || !parts.get(1).text().equals("getRule")) {
                    refuse(n.index(), first, head + (parts.size() > 1 ? "." + parts.get(1).text() : "") + " is refused: " + head
                            + " gives the rules the session itself; only " + head + ".getRule() (the rule's own name) is allowed");
                    return;
                }
                members(n, 2);
                return;
            }
            if (head.startsWith("$")) {
                members(n, 1);
                return;
            }
            if (Character.isUpperCase(head.charAt(0))) {
                if (!visible(head)) {
                    String qualified = DrlAllowList.isFact(head) ? DrlAllowList.FACTS + "." + head : "java.lang." + head;
                    refuse(n.index(), first, head + " is refused: " + DrlAllowList.whyNot(qualified) + "; " + DrlAllowList.EXPECTED);
                    return;
                }
                members(n, 1);
                return;
            }
            int type = -1;
            for (int k = 1; k < parts.size() && type < 0; k++) {
                if (Character.isUpperCase(parts.get(k).text().charAt(0))) type = k;
            }
            if (type > 0 || (parts.size() > 1 && DrlAllowList.isPackageRoot(head))) {
                // a class named in full, without an import: java.lang.Runtime, io.microseg.facts.Sets
                int end = type > 0 ? type : parts.size() - 1;
                String name = String.join(".", parts.subList(0, end + 1).stream().map(Token::text).toList());
                if (type < 0 || !DrlAllowList.allowsClass(name)) {
                    refuse(n.index(), first, name + " is refused: " + DrlAllowList.whyNot(name) + "; " + DrlAllowList.EXPECTED);
                    return;
                }
                members(n, end + 1);
                return;
            }
            if (before != null && before.isName("new") && !PRIMITIVES.contains(head)) {
                refuse(n.index(), first, head + " is refused: it is not a class of the rules' vocabulary; " + DrlAllowList.EXPECTED);
                return;
            }
            members(n, 1);
        }

        private boolean visible(String simpleName) {
            return imported.contains(simpleName) || DrlAllowList.allowsUnimported(simpleName)
                    || (factsImported && DrlAllowList.isFact(simpleName));
        }

        private void members(Name n, int from) {
            for (int k = from; k < n.parts().size(); k++) {
                Token m = n.parts().get(k);
                var why = DrlAllowList.refusedMember(m.text());
                if (why.isPresent()) {
                    refuse(n.index() + 2 * k, m, (m.text().equals("class") ? ".class" : m.text()) + " is refused: " + why.get()
                            + "; the rules may call the methods of their facts and of java.lang value types and collections");
                    return;
                }
            }
        }

        private void refuse(int index, Token at, String message) {
            if (!linesReported.add(at.line())) return;
            problems.add(new DrlProblem(file, at.line(), at.column(), index >= 0 && index < ruleAt.length ? ruleAt[index] : null, message));
        }
    }
}
