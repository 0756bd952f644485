package org.twinmail.http.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.twinmail.admin.AdminClient;
import org.twinmail.admin.AdminException.Kind;
import org.twinmail.admin.AdminException;

/** Names travel in URL path segments: what the client encodes, the server must decode to the same string. */
class AdminApiPathsTest {

    @Test
    void encodingAndDecodingAreInverse() {
        for (String s : List.of("alice@example.org", "a/b@x.org", "a+b@x.org", "100%@x.org", "q?#&=@x.org", "jörg@bücher.de",
                "@example.org", "sp ace", "\"quoted\"@x.org")) {
            String enc = AdminClient.encodeSegment(s, "name");
            assertThat(enc).doesNotContain("/", "?", "#", "+", " ");
            assertThat(AdminApi.percentDecode(enc)).isEqualTo(s);
            assertThat(AdminApi.segments("users/" + enc)).containsExactly("users", s);
        }
    }

    @Test
    void plusIsNotASpaceInPaths() {
        assertThat(AdminApi.percentDecode("a+b@x.org")).isEqualTo("a+b@x.org");
    }

    @Test
    void aTrailingSlashIsIgnoredButEmptySegmentsAreKept() {
        assertThat(AdminApi.segments("domains/")).containsExactly("domains");
        assertThat(AdminApi.segments("")).isEmpty();
        assertThat(AdminApi.segments("domains//quota")).containsExactly("domains", "", "quota");
    }

    @Test
    void malformedEscapesAreInvalid() {
        for (String bad : List.of("%", "%4", "%zz", "%C3%28")) {
            assertThatThrownBy(() -> AdminApi.percentDecode(bad)).isInstanceOfSatisfying(AdminException.class,
                    e -> assertThat(e.kind()).isEqualTo(Kind.INVALID));
        }
    }

    @Test
    void blankNamesAreRefusedByTheClient() {
        assertThatThrownBy(() -> AdminClient.encodeSegment(" ", "address")).isInstanceOfSatisfying(AdminException.class, e -> {
            assertThat(e.kind()).isEqualTo(Kind.INVALID);
            assertThat(e.getMessage()).isEqualTo("no address given");
        });
    }

    @Test
    void statusCodesFollowTheKinds() {
        assertThat(AdminApi.status(Kind.INVALID)).isEqualTo(400);
        assertThat(AdminApi.status(Kind.NOT_FOUND)).isEqualTo(404);
        assertThat(AdminApi.status(Kind.CONFLICT)).isEqualTo(409);
        assertThat(AdminApi.status(Kind.UNAVAILABLE)).isEqualTo(503);
    }
}
