package org.twinmail.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaseAreaTest {
    @TempDir
    Path dir;

    @Test
    void aNewAreaIsCreatedEmptyAndEachOpenerSeesTheOthersWrites() throws IOException {
        Path file = dir.resolve("lease");
        try (LeaseArea a = LeaseArea.open(file); LeaseArea b = LeaseArea.open(file)) {
            assertThat(Files.size(file)).isEqualTo(2L * LeaseArea.BLOCK);
            assertThat(a.read(0)).isInstanceOf(LeaseSlot.Empty.class);
            assertThat(a.read(1)).isInstanceOf(LeaseSlot.Empty.class);

            LeaseSlot mine = new LeaseSlot("a", Role.ACTIVE, 7, 42, LeaseSlot.PUBLIC_OK | LeaseSlot.YIELD, 1234);
            a.write(0, mine);
            assertThat(b.read(0)).isEqualTo(new LeaseSlot.Valid(mine));
            assertThat(b.read(1)).isInstanceOf(LeaseSlot.Empty.class);

            LeaseSlot next = new LeaseSlot("a", Role.FENCED, 7, 43, 0, 1300);
            a.write(0, next);
            assertThat(b.read(0)).isEqualTo(new LeaseSlot.Valid(next));
            LeaseSlot other = new LeaseSlot("b", Role.STANDBY, 6, 1, LeaseSlot.REQUEST, 1);
            b.write(1, other);
            assertThat(a.read(1)).isEqualTo(new LeaseSlot.Valid(other));
            assertThat(a.read(0)).isEqualTo(new LeaseSlot.Valid(next));
        }
    }

    @Test
    void aDamagedSlotReadsAsUnreadableNotAsARecord() throws IOException {
        Path file = dir.resolve("lease");
        try (LeaseArea a = LeaseArea.open(file)) {
            a.write(1, new LeaseSlot("b", Role.ACTIVE, 3, 9, 0, 5));
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x55}), LeaseArea.BLOCK + 20); // inside the seq field
        }
        try (LeaseArea a = LeaseArea.open(file)) {
            assertThat(a.read(1)).isInstanceOfSatisfying(LeaseSlot.Unreadable.class,
                    u -> assertThat(u.why()).contains("checksum"));
        }
        Files.write(file, new byte[2 * LeaseArea.BLOCK]);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("not a lease".getBytes()), 0);
        }
        try (LeaseArea a = LeaseArea.open(file)) {
            assertThat(a.read(0)).isInstanceOfSatisfying(LeaseSlot.Unreadable.class,
                    u -> assertThat(u.why()).contains("magic"));
        }
    }

    @Test
    void refusesAnAreaTooSmallForTwoSlotsAndSlotsOutsideIt() throws IOException {
        Path small = dir.resolve("small");
        Files.write(small, new byte[LeaseArea.BLOCK]);
        assertThatThrownBy(() -> LeaseArea.open(small)).isInstanceOf(IOException.class).hasMessageContaining("needs at least 8192");
        try (LeaseArea a = LeaseArea.open(dir.resolve("ok"))) {
            assertThatThrownBy(() -> a.read(2)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aNodeIdLongerThanTheSlotAllowsIsRefused() {
        assertThatThrownBy(() -> new LeaseSlot("x".repeat(65), Role.STANDBY, 0, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
