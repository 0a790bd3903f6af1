package io.microseg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** matrix as the command line prints it, and its bad input. */
class MatrixCommandTest {
    @Test
    void jsonOfTheDemoListsEveryCellWithTheVerdictTraceGives() throws Exception {
        CliRun r = CliRun.of("matrix", "--port", "tcp/27017", "--port", "tcp/30017", "--format", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode cells = new ObjectMapper().readTree(r.out()).path("cells");
        // 8 workloads: 8 x 7 ordered pairs per port, and the service from each workload on its port and node port
        assertThat(cells).hasSize(8 * 7 * 2 + 8 * 2);
        assertThat(r.out()).contains("{\"from\":\"pod/demo/web/web-prod-0\",\"to\":\"service/demo/data/db\",\"port\":\"tcp/27017\",\"verdict\":\"ALLOW\"}")
                .contains("{\"from\":\"pod/demo/web/web-dev-0\",\"to\":\"service/demo/data/db\",\"port\":\"tcp/27017\",\"verdict\":\"DENY\"}");
        CliRun trace = CliRun.of("trace", "--from", "pod/demo/web/web-dev-0", "--to", "service/demo/data/db", "--port", "tcp/27017");
        assertThat(trace.out()).contains("verdict: DENY");
    }

    @Test
    void tableGroupsTheDemoByClass() {
        CliRun r = CliRun.of("matrix", "--port", "tcp/27017", "--from", "orchestrator_app = web", "--to", "orchestrator_app = db");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("2 sources in 2 groups, 3 destinations in 2 groups, 1 port: 6 cells from 4 traced flows\n")
                .containsPattern("pod/demo/web/web-prod-0 +pod/demo/data/db-\\* \\(2\\) +DENY +2\n")
                .containsPattern("pod/demo/web/web-prod-0 +service/demo/data/db +ALLOW +1\n");
    }

    @Test
    void badPortsAndQueriesAreOneLineNamingTheOption() {
        CliRun port = CliRun.of("matrix", "--port", "tcp/0");
        assertThat(port.exit()).isEqualTo(Main.BAD_INPUT);
        assertThat(port.err()).startsWith("error: --port").contains("expected tcp/PORT");
        CliRun query = CliRun.of("matrix", "--port", "tcp/80", "--from", "app = ");
        assertThat(query.exit()).isEqualTo(Main.BAD_INPUT);
        assertThat(query.err()).startsWith("error: --from").contains("expected a query");
        assertThat(CliRun.of("matrix").exit()).as("--port is required").isEqualTo(Main.BAD_INPUT);
    }
}
