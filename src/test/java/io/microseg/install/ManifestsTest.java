package io.microseg.install;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.microseg.cli.Main;
import io.microseg.compile.DrlBuild;
import io.microseg.compile.RuleFiles;
import io.microseg.config.KubernetesAuth;
import io.microseg.config.MicrosegConfig;
import io.microseg.config.MicrosegConfigReader;
import io.microseg.source.ApiResource;
import io.microseg.source.KubeApi;
import io.microseg.source.KubernetesSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The install (config/kubernetes) as the cluster would get it: rendered like {@code kubectl kustomize}
 * ({@link Kustomization}), every object read with fabric8's model, and each part held to the code it
 * configures: container arguments through microseg's own command-line parser, the configuration
 * through its reader, the rules through the build {@code check-rules} runs, the RBAC against what the
 * server really calls. A renamed flag, a misplaced mount or a rule file left out fails here, not on a
 * cluster.
 */
class ManifestsTest {
    private static final Path BASE = Path.of("config/kubernetes");
    private static final String NAMESPACE = "microseg";
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /**
     * What the server does with the Kubernetes API besides its informers (those are
     * {@link KubernetesSource#READS}): agents' tokens (TokenReview) and operators' access
     * (SubjectAccessReview) for server.auth.kubernetes, the leader's Workspace status, and the leader
     * Lease of its own namespace (fabric8's LeaderElector gets, creates and updates it).
     */
    private static final Set<String> SERVER_CALLS_BEYOND_READS = Set.of(
            "create tokenreviews.authentication.k8s.io",
            "create subjectaccessreviews.authorization.k8s.io",
            "update workspaces/status.microseg.io",
            "patch workspaces/status.microseg.io");
    private static final Set<String> LEADER_ELECTION = Set.of(
            "create leases.coordination.k8s.io",
            "get leases.coordination.k8s.io",
            "update leases.coordination.k8s.io");

    private static Kustomization.Rendered rendered;
    private static List<HasMetadata> objects;

    @BeforeAll
    static void render() throws IOException {
        rendered = Kustomization.render(BASE);
        objects = new ArrayList<>();
        for (Map<String, Object> o : rendered.objects()) objects.add(SERIALIZATION.unmarshal(JSON.writeValueAsString(o)));
    }

    @Test
    void rendersExactlyTheExpectedObjects() {
        assertThat(objects).extracting(o -> o.getKind() + " " + (o.getMetadata().getNamespace() == null ? "" : o.getMetadata().getNamespace() + "/")
                + o.getMetadata().getName()).containsExactlyInAnyOrder(
                "Namespace microseg",
                "CustomResourceDefinition workspaces.microseg.io",
                "ConfigMap microseg/microseg-rules",
                "ConfigMap microseg/microseg-config",
                "ServiceAccount microseg/microseg-server",
                "ServiceAccount microseg/microseg-agent",
                "ClusterRole microseg-server",
                "ClusterRoleBinding microseg-server",
                "Role microseg/microseg-server-leader-election",
                "RoleBinding microseg/microseg-server-leader-election",
                "ClusterRole microseg-operator",
                "Deployment microseg/microseg-server",
                "Service microseg/microseg",
                "PodDisruptionBudget microseg/microseg-server",
                "DaemonSet microseg/microseg-agent");
        // Config changes roll the Deployment (hash suffix); rule changes go through the server's deploy checks (none).
        assertThat(rendered.hashedNames()).containsExactly("microseg-config");
    }

    /** Where kubectl is installed, its rendering must be this reader's, up to order and the hash suffixes. */
    @Test
    void theReaderRendersWhatKubectlKustomizeRenders() throws Exception {
        assumeTrue(onPath("kubectl"), "kubectl is not installed here");
        Process p = new ProcessBuilder("kubectl", "kustomize", BASE.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        for (String name : rendered.hashedNames()) out = out.replaceAll("\\b" + Pattern.quote(name) + "-[a-z0-9]{10}\\b", name);
        List<Object> theirs = new ArrayList<>();
        try (var it = YAML.readerFor(Map.class).readValues(out)) {
            while (it.hasNext()) theirs.add(it.next());
        }
        assertThat(theirs).containsExactlyInAnyOrderElementsOf(rendered.objects());
    }

    // ---- the rules

    @Test
    void theRulesConfigMapHoldsEveryRuleFileAndCompilesAsCheckRulesDoes(@TempDir Path dir) throws IOException {
        ConfigMap rules = one(ConfigMap.class, "microseg-rules");
        Set<String> drl = new TreeSet<>();
        try (Stream<Path> files = Files.list(Path.of("rules"))) {
            files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".drl")).forEach(drl::add);
        }
        assertThat(rules.getData().keySet()).as("rules/kustomization.yaml must list every rules/*.drl").containsExactlyInAnyOrderElementsOf(drl);
        for (var e : rules.getData().entrySet()) Files.writeString(dir.resolve(e.getKey()), e.getValue());
        RuleFiles files = RuleFiles.read(dir);
        DrlBuild.Result built = DrlBuild.build(files);
        assertThat(built.problems()).isEmpty();
        assertThat(built.ok()).isTrue();
        assertThat(built.rules().ruleNames()).isNotEmpty();
        assertThat(files.digest()).isEqualTo(RuleFiles.read(Path.of("rules")).digest());
    }

    // ---- the server

    @Test
    void theServersConfigurationIsReadByTheRealReader() throws IOException {
        MicrosegConfig config = config();
        assertThat(config.inventory().kubernetes()).singleElement().satisfies(c -> {
            assertThat(c.cluster()).isEqualTo(agentCluster());
            assertThat(c.workspaces()).isTrue();
            assertThat(c.context()).as("in-cluster: the service account").isEmpty();
            assertThat(c.kubeconfig()).isEmpty();
        });
        assertThat(config.server().listen().isLoopback()).isFalse();
        assertThat(config.server().listen().port()).isEqualTo(port(serverContainer(), "http"));
        assertThat(config.server().auth().insecureNoAuth()).isFalse();
        assertThat(kubernetesAuth().enabled()).isTrue();
        assertThat(kubernetesAuth().cluster()).isEqualTo(agentCluster());
        assertThat(config.rules().allowSharedFolder()).isFalse();
    }

    @Test
    void theServersArgumentsParseAndPointAtItsMounts() {
        Container server = serverContainer();
        CommandLine.ParseResult serve = parse(server);
        assertThat(serve.commandSpec().name()).isEqualTo("serve");
        Path config = serve.matchedOptionValue("--config", null);
        Path rules = serve.matchedOptionValue("--rules", null);
        assertThat(serve.hasMatchedOption("--insecure-no-auth")).isFalse();
        assertThat(serve.hasMatchedOption("--allow-shared-rules-folder")).isFalse();
        PodSpec pod = one(Deployment.class, "microseg-server").getSpec().getTemplate().getSpec();

        VolumeMount configMount = mountAt(server, config.toString());
        assertThat(volume(pod, configMount.getName()).getConfigMap().getName()).isEqualTo("microseg-config");
        assertThat(configMount.getSubPath()).isEqualTo("microseg.yaml");

        VolumeMount rulesMount = mountAt(server, rules.toString());
        assertThat(volume(pod, rulesMount.getName()).getConfigMap().getName()).isEqualTo("microseg-rules");
        assertThat(rulesMount.getSubPath()).as("kubelet never updates a subPath mount: the rules would not follow").isNull();
        assertThat(rulesMount.getReadOnly()).as("a read-only mount is what the folder-trust check accepts").isTrue();
    }

    @Test
    void theServerRunsTwoHardenedReplicasWithProbesOnItsPort() {
        Deployment d = one(Deployment.class, "microseg-server");
        assertThat(d.getSpec().getReplicas()).isGreaterThanOrEqualTo(2);
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        assertThat(pod.getServiceAccountName()).isEqualTo("microseg-server");
        assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isNotZero();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        Container c = serverContainer();
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getPrivileged()).isNotEqualTo(Boolean.TRUE);
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(volume(pod, mountAt(c, "/tmp").getName()).getEmptyDir()).as("/tmp for the JVM and Vert.x").isNotNull();
        assertResources(c);

        int port = port(c, "http");
        assertThat(probe(c.getLivenessProbe().getHttpGet(), c)).isEqualTo("/healthz:" + port);
        assertThat(probe(c.getStartupProbe().getHttpGet(), c)).isEqualTo("/healthz:" + port);
        assertThat(probe(c.getReadinessProbe().getHttpGet(), c)).isEqualTo("/readyz:" + port);

        Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
        assertThat(podLabels).containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());
        Service s = one(Service.class, "microseg");
        assertThat(s.getSpec().getType()).isEqualTo("ClusterIP");
        assertThat(podLabels).containsAllEntriesOf(s.getSpec().getSelector());
        assertThat(s.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getPort()).isEqualTo(8080);
            assertThat(p.getTargetPort().getStrVal() != null ? port(c, p.getTargetPort().getStrVal()) : p.getTargetPort().getIntVal()).isEqualTo(port);
        });
        assertThat(podLabels).containsAllEntriesOf(one(PodDisruptionBudget.class, "microseg-server").getSpec().getSelector().getMatchLabels());
    }

    @Test
    void theWorkspaceCrdHasAStatusSubresourceForTheLeader() {
        CustomResourceDefinition crd = one(CustomResourceDefinition.class, "workspaces.microseg.io");
        assertThat(crd.getSpec().getGroup() + "/" + crd.getSpec().getNames().getPlural())
                .isEqualTo(KubeApi.WORKSPACE_RESOURCE.getGroup() + "/" + KubeApi.WORKSPACE_RESOURCE.getPlural());
        var version = crd.getSpec().getVersions().get(0);
        assertThat(version.getSubresources().getStatus()).isNotNull();
        assertThat(version.getSchema().getOpenAPIV3Schema().getProperties().get("status").getProperties()).containsKey("conditions");
    }

    // ---- RBAC

    @Test
    void rbacNamesNoWildcardAndNoNonResourceUrl() {
        for (PolicyRule rule : rules()) {
            List<String> all = new ArrayList<>();
            all.addAll(rule.getVerbs());
            all.addAll(rule.getResources());
            all.addAll(rule.getApiGroups());
            all.addAll(rule.getResourceNames());
            assertThat(all).as("%s", rule).noneMatch(s -> s.contains("*"));
            assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
        }
    }

    /** Each grant is something the code calls, and each call is granted: the server's rights are exactly its needs. */
    @Test
    void theServerMayDoExactlyWhatItsCodeCalls() {
        Set<String> reads = new TreeSet<>();
        for (ApiResource r : KubeApi.READS) for (String verb : List.of("get", "list", "watch")) reads.add(verb + " " + r);
        Set<String> expected = new TreeSet<>(reads);
        expected.addAll(SERVER_CALLS_BEYOND_READS);

        ClusterRoleBinding crb = one(ClusterRoleBinding.class, "microseg-server");
        assertThat(crb.getSubjects()).extracting(ManifestsTest::subject).containsExactly("ServiceAccount microseg/microseg-server");
        assertThat(crb.getRoleRef().getKind()).isEqualTo("ClusterRole");
        assertThat(grants(one(ClusterRole.class, crb.getRoleRef().getName()).getRules())).isEqualTo(expected);

        RoleBinding rb = one(RoleBinding.class, "microseg-server-leader-election");
        assertThat(rb.getSubjects()).extracting(ManifestsTest::subject).containsExactly("ServiceAccount microseg/microseg-server");
        Role lease = one(Role.class, rb.getRoleRef().getName());
        assertThat(lease.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        assertThat(grants(lease.getRules())).isEqualTo(LEADER_ELECTION);
        // The Lease the server elects with: server.leaderElection, whose namespace defaults to the pod's.
        MicrosegConfig.LeaderElection election = config().server().leaderElection();
        assertThat(election.namespace().orElse(NAMESPACE)).isEqualTo(NAMESPACE);
        assertThat(lease.getRules()).filteredOn(r -> !r.getResourceNames().isEmpty())
                .allSatisfy(r -> assertThat(r.getResourceNames()).containsExactly(election.name()));
    }

    /** The operator role grants exactly the attribute the server's SubjectAccessReview asks about. */
    @Test
    void theOperatorRoleGrantsTheConfiguredAccessAttribute() {
        KubernetesAuth.OperatorAccess access = kubernetesAuth().operatorAccess();
        assertThat(access.enabled()).isTrue();
        assertThat(grants(one(ClusterRole.class, "microseg-operator").getRules()))
                .containsExactly(access.verb() + " " + new ApiResource(access.group(), access.resource()));
    }

    @Test
    void theAgentHasNoKubernetesApiRights() {
        for (HasMetadata o : objects) {
            List<Subject> subjects = o instanceof RoleBinding rb ? rb.getSubjects()
                    : o instanceof ClusterRoleBinding crb ? crb.getSubjects() : List.of();
            assertThat(subjects).extracting(ManifestsTest::subject).doesNotContain("ServiceAccount microseg/microseg-agent");
        }
        assertThat(one(ServiceAccount.class, "microseg-agent").getAutomountServiceAccountToken()).isFalse();
        assertThat(agentPod().getAutomountServiceAccountToken()).isFalse();
    }

    // ---- the agent

    @Test
    void theAgentsArgumentsParse() {
        CommandLine.ParseResult enforce = parse(agentContainer());
        assertThat(enforce.commandSpec().name()).isEqualTo("enforce");
        assertThat(enforce.matchedOptionValue("--node", "")).isEqualTo(agentCluster() + "/node-under-test");
        assertThat((Boolean) enforce.matchedOptionValue("--preserve-rules", false)).isTrue();
        assertThat(enforce.matchedOptionValue("--netns", "")).isEqualTo("auto");
        assertThat(enforce.matchedOptionValue("--proc", java.nio.file.Path.of("/proc")))
                .as("the host's processes, where the DaemonSet mounts them").isEqualTo(java.nio.file.Path.of(mountAt(agentContainer(), "/host/proc").getMountPath()));
    }

    @Test
    void theAgentReachesTheServiceAndIsCalledByItsNode() {
        Container agent = agentContainer();
        List<String> args = agent.getArgs();
        URI server = URI.create(args.get(args.indexOf("--server") + 1));
        Service s = one(Service.class, "microseg");
        assertThat(server.getHost()).isIn(s.getMetadata().getName() + "." + NAMESPACE + ".svc",
                s.getMetadata().getName() + "." + NAMESPACE + ".svc.cluster.local");
        assertThat(server.getPort()).isEqualTo(s.getSpec().getPorts().get(0).getPort());
        assertThat(args.get(args.indexOf("--node") + 1)).isEqualTo(agentCluster() + "/$(NODE_NAME)");
        EnvVar node = agent.getEnv().stream().filter(e -> e.getName().equals("NODE_NAME")).findFirst().orElseThrow();
        assertThat(node.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
        assertThat(agentPod().getDnsPolicy()).as("hostNetwork resolves Service names only with this").isEqualTo("ClusterFirstWithHostNet");
    }

    @Test
    void theAgentsTokenIsTheAudienceBoundProjectedOneItsArgumentsName() {
        Container agent = agentContainer();
        List<String> args = agent.getArgs();
        Path token = Path.of(args.get(args.indexOf("--token") + 1));
        VolumeMount mount = agent.getVolumeMounts().stream().filter(m -> token.startsWith(m.getMountPath())).findFirst()
                .orElseThrow(() -> new AssertionError("--token " + token + " is in no volume mount"));
        assertThat(mount.getReadOnly()).isTrue();
        Volume volume = volume(agentPod(), mount.getName());
        assertThat(volume.getProjected()).as("a projected service-account token").isNotNull();
        ServiceAccountTokenProjection projection = volume.getProjected().getSources().stream()
                .map(s -> s.getServiceAccountToken()).filter(Objects::nonNull)
                .filter(t -> Path.of(mount.getMountPath()).resolve(t.getPath()).equals(token)).findFirst()
                .orElseThrow(() -> new AssertionError("no projected token at " + token));
        assertThat(projection.getAudience()).isEqualTo("microseg").isEqualTo(kubernetesAuth().audience());
        assertThat(projection.getExpirationSeconds()).isEqualTo(3600L);
        assertThat(kubernetesAuth().agentServiceAccounts())
                .containsExactly("system:serviceaccount:" + NAMESPACE + ":" + agentPod().getServiceAccountName());
    }

    @Test
    void theAgentRunsOnEveryNodeWithOnlyTheCapabilitiesItNeeds() {
        DaemonSet ds = one(DaemonSet.class, "microseg-agent");
        PodSpec pod = agentPod();
        assertThat(pod.getTolerations()).as("tolerates every taint").anySatisfy(t -> {
            assertThat(t.getOperator()).isEqualTo("Exists");
            assertThat(t.getKey()).isNull();
            assertThat(t.getEffect()).isNull();
        });
        assertThat(pod.getHostNetwork()).isTrue();
        assertThat(pod.getHostPID()).isTrue();
        assertThat(pod.getPriorityClassName()).isEqualTo("system-node-critical");
        assertThat(ds.getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(ds.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(ds.getSpec().getSelector().getMatchLabels());

        Container c = agentContainer();
        var sc = c.getSecurityContext();
        assertThat(sc.getPrivileged()).isNotEqualTo(Boolean.TRUE);
        assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
        assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
        assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(sc.getCapabilities().getAdd()).containsExactlyInAnyOrder("NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE");
        assertResources(c);

        VolumeMount proc = mountAt(c, "/host/proc");
        assertThat(proc.getReadOnly()).isTrue();
        assertThat(volume(pod, proc.getName()).getHostPath().getPath()).isEqualTo("/proc");
        VolumeMount netns = mountAt(c, "/run/netns");
        assertThat(volume(pod, netns.getName()).getHostPath().getPath()).isEqualTo("/run/netns");
        assertThat(netns.getMountPropagation()).isEqualTo("HostToContainer");
        for (VolumeMount m : c.getVolumeMounts()) {
            Volume v = volume(pod, m.getName());
            if (v.getHostPath() != null) assertThat(m.getReadOnly()).as("host path %s", m.getMountPath()).isTrue();
        }
    }

    // ---- helpers

    /** The container's command line as kubelet gives it to the image's entrypoint ($(VAR) expanded), parsed by microseg's parser. */
    private static CommandLine.ParseResult parse(Container c) {
        assertThat(c.getCommand()).as("the image's entrypoint (java -jar /app/microseg.jar) runs it").isNullOrEmpty();
        List<String> args = new ArrayList<>();
        for (String arg : c.getArgs()) args.add(expand(arg, c));
        CommandLine.ParseResult[] parsed = new CommandLine.ParseResult[1];
        assertThatCode(() -> parsed[0] = new CommandLine(new Main()).parseArgs(args.toArray(String[]::new)))
                .as("%s args %s", c.getName(), args).doesNotThrowAnyException();
        assertThat(parsed[0].hasSubcommand()).isTrue();
        return parsed[0].subcommand();
    }

    /** kubelet's $(VAR) expansion, with the container's env; a downward-API value stands in as a placeholder. */
    private static String expand(String arg, Container c) {
        Matcher m = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(arg);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            EnvVar var = c.getEnv().stream().filter(e -> e.getName().equals(m.group(1))).findFirst()
                    .orElseThrow(() -> new AssertionError(arg + " names $(" + m.group(1) + "), which " + c.getName() + " does not define"));
            String value = var.getValue() != null ? var.getValue() : "node-under-test";
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String agentCluster() {
        List<String> args = agentContainer().getArgs();
        return args.get(args.indexOf("--node") + 1).split("/", 2)[0];
    }

    /** The ConfigMap's microseg.yaml, read by the server's own reader. */
    private static MicrosegConfig config() {
        String text = one(ConfigMap.class, "microseg-config").getData().get("microseg.yaml");
        return MicrosegConfigReader.parse("config/kubernetes/microseg.yaml", text, Path.of(""));
    }

    private static KubernetesAuth kubernetesAuth() {
        KubernetesAuth auth = config().server().auth().kubernetes();
        assertThat(auth).as("server.auth.kubernetes").isNotNull();
        return auth;
    }

    private static void assertResources(Container c) {
        for (String r : List.of("cpu", "memory")) {
            assertThat(c.getResources().getRequests()).as("%s requests", c.getName()).containsKey(r);
            assertThat(c.getResources().getLimits()).as("%s limits", c.getName()).containsKey(r);
        }
    }

    private static String probe(HTTPGetAction get, Container c) {
        int port = get.getPort().getStrVal() != null ? port(c, get.getPort().getStrVal()) : get.getPort().getIntVal();
        return get.getPath() + ":" + port;
    }

    private static int port(Container c, String name) {
        return c.getPorts().stream().filter(p -> name.equals(p.getName())).findFirst()
                .orElseThrow(() -> new AssertionError(c.getName() + " has no port named " + name)).getContainerPort();
    }

    private static VolumeMount mountAt(Container c, String path) {
        return c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError(c.getName() + " mounts nothing at " + path));
    }

    private static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private static Container serverContainer() {
        return one(Deployment.class, "microseg-server").getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    private static PodSpec agentPod() {
        return one(DaemonSet.class, "microseg-agent").getSpec().getTemplate().getSpec();
    }

    private static Container agentContainer() {
        return agentPod().getContainers().get(0);
    }

    private static List<PolicyRule> rules() {
        List<PolicyRule> rules = new ArrayList<>();
        for (HasMetadata o : objects) {
            if (o instanceof ClusterRole cr) rules.addAll(cr.getRules());
            if (o instanceof Role r) rules.addAll(r.getRules());
        }
        return rules;
    }

    /** Each rule as "verb resource.group" lines, the form ApiResource prints. */
    private static Set<String> grants(List<PolicyRule> rules) {
        Set<String> out = new TreeSet<>();
        for (PolicyRule rule : rules) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    for (String verb : rule.getVerbs()) out.add(verb + " " + new ApiResource(group, resource));
                }
            }
        }
        return out;
    }

    private static String subject(Subject s) {
        return s.getKind() + " " + (s.getNamespace() == null ? "" : s.getNamespace() + "/") + s.getName();
    }

    private static <T extends HasMetadata> T one(Class<T> type, String name) {
        List<T> found = objects.stream().filter(type::isInstance).map(type::cast).filter(o -> o.getMetadata().getName().equals(name)).toList();
        assertThat(found).as("%s %s", type.getSimpleName(), name).hasSize(1);
        return found.get(0);
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String dir : path.split(":")) if (Files.isExecutable(Path.of(dir, command))) return true;
        return false;
    }
}
