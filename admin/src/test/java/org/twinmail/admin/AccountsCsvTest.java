package org.twinmail.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.twinmail.admin.AdminOperations.UserInfo;

/** The accounts' CSV format, read and written in one place. */
class AccountsCsvTest {
    @Test
    void readsQuotedFieldsSizesFlagsAndAnyColumnOrder() {
        AccountsCsv.Parsed p = AccountsCsv.parse("\uFEFFenabled,Address,password,quota\r\n"
                + "no,alice@example.org,\"pa,ss \"\"word\"\"\",2G\r\n"
                + "\n"
                + ",bob@example.org,,\n");
        assertThat(p.errors()).isEmpty();
        assertThat(p.rows()).hasSize(2);
        AccountsCsv.Row a = p.rows().get(0);
        assertThat(a.line()).isEqualTo(2);
        assertThat(a.address()).isEqualTo("alice@example.org");
        assertThat(new String(a.password())).isEqualTo("pa,ss \"word\"");
        assertThat(a.quota()).isEqualTo(2L << 30);
        assertThat(a.enabled()).isFalse();
        AccountsCsv.Row b = p.rows().get(1);
        assertThat(b.line()).isEqualTo(4);
        assertThat(b.password()).isNull();
        assertThat(b.quota()).isNull();
        assertThat(b.enabled()).isNull();
    }

    @Test
    void aBadRowIsReportedWithItsLineAndTheOthersAreRead() {
        AccountsCsv.Parsed p = AccountsCsv.parse("address,password,quota,enabled\n"
                + "a@example.org,pw,lots,\n"
                + "b@example.org,pw,1M,maybe\n"
                + "c@example.org,pw\n"
                + ",pw,1M,\n"
                + "d@example.org,pw,1M,yes\n");
        assertThat(p.rows()).extracting(AccountsCsv.Row::address).containsExactly("d@example.org");
        assertThat(p.errors()).extracting(AccountsCsv.RowError::line, AccountsCsv.RowError::address, AccountsCsv.RowError::error).containsExactly(
                org.assertj.core.groups.Tuple.tuple(2, "a@example.org", "quota: not a size (use e.g. 512, 25M, 2G): lots"),
                org.assertj.core.groups.Tuple.tuple(3, "b@example.org", "enabled must be true or false: maybe"),
                org.assertj.core.groups.Tuple.tuple(4, "c@example.org", "2 fields where the first line has 4"),
                org.assertj.core.groups.Tuple.tuple(5, null, "no address"));
    }

    @Test
    void aFileWithoutAUsableHeaderIsRefusedAsAWhole() {
        assertThatThrownBy(() -> AccountsCsv.parse("")).hasMessageStartingWith("the file is empty");
        assertThatThrownBy(() -> AccountsCsv.parse("address,pasword\n")).hasMessageStartingWith("unknown column \"pasword\"");
        assertThatThrownBy(() -> AccountsCsv.parse("password\nx\n")).hasMessage("the first line must name an address column");
        assertThatThrownBy(() -> AccountsCsv.parse("address,address\n")).hasMessage("the column address is named twice in the first line");
        assertThatThrownBy(() -> AccountsCsv.parse("address\n\"a@b.org\n")).hasMessage("a quoted field is not closed before the end of the file");
    }

    @Test
    void theExportReadsBackAsTheSameAccountsWithoutPasswords() {
        String csv = AccountsCsv.format(List.of(new UserInfo("alice@example.org", 100, 50, 7, 1, 20, false),
                new UserInfo("o'neil,x@example.org", 0, 0, 0, 0, 0, true)));
        assertThat(csv).startsWith("address,password,quota,max_message,max_messages,enabled,used_bytes,messages\r\n")
                .contains("alice@example.org,,100,50,20,false,7,1\r\n").contains("\"o'neil,x@example.org\",,0,0,0,true,0,0\r\n");
        AccountsCsv.Parsed back = AccountsCsv.parse(csv);
        assertThat(back.errors()).isEmpty();
        assertThat(back.rows()).extracting(AccountsCsv.Row::address, AccountsCsv.Row::quota, AccountsCsv.Row::maxMessages, AccountsCsv.Row::enabled)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("alice@example.org", 100L, 20L, false),
                        org.assertj.core.groups.Tuple.tuple("o'neil,x@example.org", 0L, 0L, true));
        assertThat(back.rows()).allSatisfy(r -> assertThat(r.password()).isNull());
    }
}
