package io.microseg.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The agent's cursor: the epoch it sends back with {@code since} is the one of the snapshot it holds. */
class EnforceCommandTest {
    @Test
    void theEpochIsReadFromTheEventsTopLevelOnly() throws Exception {
        assertThat(EnforceCommand.epochOf("{\"type\":\"snapshot\",\"epoch\":\"9f3c0a7e5b21d4c8\",\"version\":7,\"rules\":[]}"))
                .isEqualTo("9f3c0a7e5b21d4c8");
        assertThat(EnforceCommand.epochOf("{\"type\":\"snapshot\",\"rules\":[{\"epoch\":\"nested\"}],\"sets\":[],\"epoch\":\"top\"}"))
                .isEqualTo("top");
        assertThat(EnforceCommand.epochOf("{\"type\":\"snapshot\",\"version\":7,\"rules\":[]}")).as("an older server").isNull();
        assertThat(EnforceCommand.epochOf("{\"type\":\"snapshot\",\"epoch\":12}")).isNull();
    }
}
