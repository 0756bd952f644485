#!/usr/bin/env python3
# ha/fsync-after-shutdown.py ROUNDS [witness]: does fdatasync vouch for data that is not on disk
# when the filesystem fails while it runs? (root; util-linux, e2fsprogs)
#
# Each round: a fresh ext4 on a loop device, one thread appending 256 KiB and calling fdatasync
# in a loop (as SQLite's WAL commits do), EXT4_IOC_SHUTDOWN (NOLOGFLUSH, the HA lab's
# storage-io-errors fault) at a random moment, then a remount that compares the file with what
# fdatasync returned 0 for. With "witness", an append only counts as acknowledged if a one-byte
# write to another file on the filesystem still succeeds after its fdatasync, as the store's
# CommitWitness does. Measured on Linux 6.18 (2026-12-07): 7 of 60 rounds lost the last
# acknowledged append without the witness, 0 of 80 with it.
import fcntl, os, random, struct, subprocess, sys, tempfile, threading, time

EXT4_IOC_SHUTDOWN, NOLOGFLUSH = 0x8004587D, 2
BS = 256 * 1024
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
witness = len(sys.argv) > 2 and sys.argv[2] == "witness"
work = tempfile.mkdtemp(prefix="fsync-race.")
img, mnt = work + "/img", work + "/mnt"
os.mkdir(mnt)


def sh(*a):
    subprocess.run(a, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def attach():
    return subprocess.run(["losetup", "-f", "--show", img], capture_output=True, text=True, check=True).stdout.strip()


lost = 0
for r in range(rounds):
    sh("mkfs.ext4", "-q", "-F", img, "64M")
    dev = attach()
    sh("mount", dev, mnt)
    fd = os.open(mnt + "/wal", os.O_CREAT | os.O_RDWR, 0o644)
    wfd = os.open(mnt + "/witness", os.O_CREAT | os.O_RDWR, 0o644)
    d = os.open(mnt, os.O_RDONLY)
    os.fsync(fd), os.fsync(wfd), os.fsync(d)  # the files themselves are durable before the race
    acked = 0

    def appender():
        global acked
        off, blk = 0, b"\x5a" * BS
        while True:
            try:
                os.pwrite(fd, blk, off)
                os.fdatasync(fd)
                if witness:
                    os.pwrite(wfd, b".", 0)
            except OSError:
                return
            off += BS
            acked = off

    t = threading.Thread(target=appender)
    t.start()
    time.sleep(random.uniform(0.02, 0.3))
    fcntl.ioctl(d, EXT4_IOC_SHUTDOWN, struct.pack("I", NOLOGFLUSH))
    t.join()
    for f in (fd, wfd, d):
        os.close(f)
    sh("umount", mnt)
    sh("losetup", "-d", dev)
    dev = attach()
    sh("mount", dev, mnt)
    with open(mnt + "/wal", "rb") as f:
        data = f.read(acked)
    sh("umount", mnt)
    sh("losetup", "-d", dev)
    if data != b"\x5a" * acked:
        lost += 1
        print(f"round {r}: fdatasync returned 0 for {acked} bytes; after the remount {len(data)} of them are there", flush=True)
os.remove(img)
os.rmdir(mnt)
os.rmdir(work)
print(f"{lost} of {rounds} rounds lost data that fdatasync had vouched for ({'with' if witness else 'without'} the witness write)")
