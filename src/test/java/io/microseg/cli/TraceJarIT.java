package io.microseg.cli;

import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static io.microseg.cli.PackagedJarIT.microseg;
import static org.assertj.core.api.Assertions.assertThat;

/** trace run as users run it, from the packaged jar: DRL locations come from the rules inside the jar. */
class TraceJarIT {
    @Test
    void tracesTheSeedsNodePortFlowFromTheJar() throws Exception {
        PackagedJarIT.Run run = microseg("trace", "--from", "host/backup-prod", "--to", "node/demo/node-1", "--port", "tcp/30017");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("flow host/backup-prod -> node/demo/node-1 TCP 30017: ALLOW")
                .contains("DRL rule \"The nodes accept the consumers on the node port\" (rules/services.drl:"
                        + TestFiles.lineOf(Path.of("rules/services.drl"), "rule \"The nodes accept the consumers on the node port\"") + ")")
                .contains("verdict: ALLOW");
    }

    @Test
    void explainsADeniedFlowFromTheJar() throws Exception {
        PackagedJarIT.Run run = microseg("trace", "--from", "10.244.1.20", "--to", "10.244.1.10", "--port", "tcp/27017");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("flow pod/demo/web/web-prod-0 -> pod/demo/data/db-0 TCP 27017: DENY")
                .contains("the policy opens the service, not the pod");
    }
}
