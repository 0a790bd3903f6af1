package io.microseg.enforce;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The token file is read at every ask: a rotated token is seen at once; a bad file names itself and the problem. */
class TokenFileTest {
    @TempDir
    Path dir;

    @Test
    void readsTheFileEveryTimeSoARotatedTokenIsSeen() throws IOException {
        Path f = dir.resolve("token");
        TokenFile t = new TokenFile(f);
        assertThatThrownBy(t::token).isInstanceOf(IOException.class).hasMessage("token file " + f + ": not found");
        Files.writeString(f, "  \n");
        assertThatThrownBy(t::token).hasMessage("token file " + f + ": empty");
        Files.writeString(f, "first-token\n");
        assertThat(t.token()).isEqualTo("first-token");
        Files.writeString(f, "second-token");
        assertThat(t.token()).isEqualTo("second-token");
        Files.writeString(f, "two words");
        assertThatThrownBy(t::token).hasMessageContaining("expected one token of printable ASCII without spaces");
        Files.write(f, new byte[TokenFile.MAX_BYTES + 1]);
        assertThatThrownBy(t::token).hasMessageContaining("larger than " + TokenFile.MAX_BYTES + " bytes");
    }
}
