#!/usr/bin/env python3
"""Write the hand-made samples of tests/data for the formats of issue #9
(vscsi v2, oracleGeneral, msr, csv, hex, perf mem, gzip/xz variants and the
malformed inputs), from each format's documented layout, independently of
vmmsim's readers and writers. Run from tests/data: python3 gen-samples.py.
The real samples (lackey -v logs, perf page faults, the CloudPhysics excerpt)
are made as tests/data/README.md says."""
import gzip, lzma, struct, subprocess

def put(name, data):
    with open(name, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

# vscsi v2: u16 cmd, u16 ver, u32 sn, u32 len, u32 nSG, u64 lbn, u64 ts, u64 rt
v2 = [(0x28, 1, 4096, 1, 100, 10, 5), (0x2a, 2, 512, 1, 101, 20, 6),
      (0x8a, 3, 8192, 2, 7, 30, 7), (0x00, 4, 0, 0, 100, 40, 8)]
put("trace-vscsi-v2.vscsi",
    b"".join(struct.pack("<HHIIIQQQ", c, 0x0200, sn, ln, sg, lbn, ts, rt)
             for c, sn, ln, sg, lbn, ts, rt in v2))
# vscsi v1: u32 sn, u32 len, u32 nSG, u16 cmd, u16 ver, u64 lbn, u64 ts
v1 = [struct.pack("<IIIHHQQ", 1, 4096, 1, 0x28, 0x0100, 5, 1000),
      struct.pack("<IIIHHQQ", 2, 512, 1, 0x2a, 0x0100, 6, 2000),
      struct.pack("<IIIHHQQ", 3, 512, 1, 0x2a, 0x0200, 7, 3000)]   # wrong version
put("bad-vscsi-version.vscsi", b"".join(v1))
put("bad-vscsi-truncated.vscsi", v1[0] + v1[1] + v1[1][:20])
put("bad-vscsi-lbn.vscsi", v1[0] + struct.pack("<IIIHHQQ", 2, 512, 1, 0x28, 0x0100,
                                                 1 << 60, 2000))

# oracleGeneral: u32 clock_time, u64 obj_id, u32 obj_size, i64 next_access_vtime
og = [(1, 42, 4096, 2), (2, 7, 100, -1), (3, 42, 4096, -1), (4, 9, 0, -1), (5, 0, 1, -1)]
rec = b"".join(struct.pack("<IQIq", *r) for r in og)
put("trace-oracle.oracleGeneral.bin", rec)
put("bad-oracle-truncated.oracleGeneral", rec[:24 * 2 + 10])
put("bad-oracle-id.oracleGeneral", rec[:24] + struct.pack("<IQIq", 2, 1 << 62, 8, -1))

# MSR Cambridge: Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime
put("trace-msr.csv",
    "Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime\r\n"
    "128166372003061629,hm,1,Read,3525915648,4096,8339\r\n"
    "128166372016382155,hm,1,Write,3526549504,8192,2306\r\n"
    "128166372026382245,hm,0,read,4094,4,1000\r\n"
    "128166372036382245,web server,2,WRITE,0,65536,120\r\n")
put("bad-msr-type.csv", "128166372003061629,hm,1,Read,3525915648,4096,8339\n"
                        "128166372016382155,hm,1,Trim,3526549504,8192,2306\n")
put("bad-msr-size0.csv", "128166372003061629,hm,1,Read,3525915648,4096,8339\n"
                         "128166372016382155,hm,1,Write,3526549504,0,2306\n")
put("bad-msr-fields.csv", "128166372003061629,hm,1,Read,3525915648,4096,8339\n"
                          "128166372016382155,hm,1,Write,3526549504,8192\n")

# csv: a header naming the columns; without one, --csv-cols maps them
put("trace-csv.csv", "time,obj,size\n10,42,4096\n11,7,512\n12,0x2a,4096\n")
put("trace-csv-addr.csv", "# written by hand\naddr,size,op,asid\n0x1000,8,R,0\n"
                          "4096,1,w,3\n0x1ffe,4,I,1\n")
put("trace-csv-nohdr.tsv", "1\tread\t0x7f00\t16\n2\twrite\t8192\t1\n3\tifetch\t0\t4\n")
put("bad-csv-field.csv", "time,obj,size\n10,42,4096\n11,4x2,512\n")
put("bad-csv-noheader.csv", "10,42,4096\n11,7,512\n")

# hex addresses, one per line
put("trace-hex.txt", "# addresses\n0x7fff5a10\n7fff5a18\n0XDEADBEEF\n\n  ffffffffffffffff  \n")
put("bad-hex.txt", "0x7fff5a10\n0x12g4\n")

# perf script output of perf mem record, as perf 6.x prints its default
# fields for mem-loads/mem-stores samples (comm, tid, cpu, time, period,
# event, addr, data_src decoded, weight, ip, sym, dso), and with -F pid,tid
put("trace-perf-mem.txt",
    "# perf script of perf mem record (written from the documented format)\n"
    "            sort 25012 [001]  5211.120375:         30 cpu/mem-loads,ldlat=30/P:     7ffd2a3f1e20        5080144 |OP LOAD|LVL L1 hit|SNP None|TLB L1 or L2 hit|LCK No|BLK  N/A        42      401136 main+0x16 (/tmp/sort)\n"
    "            sort 25012 [001]  5211.120391:      10007 cpu/mem-stores/P:     7ffd2a3f1e28        5080144 |OP STORE|LVL L1 hit|SNP None|TLB L1 or L2 hit|LCK No|BLK  N/A         0      40113a main+0x1a (/tmp/sort)\n"
    "     Web Content 25013/25014 [000]  5211.120402:        112 cpu/mem-loads,ldlat=30/P:         601040       68100142 |OP LOAD|LVL LFB/MAB hit|SNP None|TLB L1 or L2 hit|LCK No|BLK  N/A       112      401150 main+0x30 (/tmp/sort)\n"
    "            sort 25012 [001]  5211.120420:         30 cpu/mem-loads,ldlat=30/P:                0        5080144 |OP LOAD|LVL N/A|SNP N/A|TLB N/A|LCK N/A|BLK  N/A        30      401136 main+0x16 (/tmp/sort)\n"
    "            sort 25012 [001]  5211.120433:      10007 mem_inst_retired.all_stores:P:     7ffd2a3f2000 main+0x1e (/tmp/sort)\n")
put("bad-perf-addr.txt",
    "            sort 25012 [001]  5211.120375:         30 cpu/mem-loads,ldlat=30/P:     7ffd2a3f1e20 main\n"
    "            sort 25012 [001]  5211.120391:         30 cpu/mem-loads,ldlat=30/P:     7ffd2a3fxyz0 main\n")

# lackey -v: a "--pid--" line that is not one ("--12a--") is an error
put("bad-lackey-v-pid.txt", "--25197-- Valgrind options:\nI  00401000,5\n--12a-- oops\n")

# compressed variants of trace-lackey.txt: gzip (by name, by magic, two
# members) and xz (by name, two streams); damaged ones
lk = open("trace-lackey.txt", "rb").read()
half = lk.index(b"\n", len(lk) // 2) + 1
put("trace-lackey.txt.gz", gzip.compress(lk, mtime=0))
put("trace-lackey-gz.dat", gzip.compress(lk, mtime=0))
put("trace-lackey-2members.gz", gzip.compress(lk[:half], mtime=0) + gzip.compress(lk[half:], mtime=0))
put("trace-lackey.txt.xz", lzma.compress(lk))
put("trace-lackey-2streams.xz", lzma.compress(lk[:half]) + lzma.compress(lk[half:]))
gz = gzip.compress(lk, mtime=0)
put("bad-gzip-truncated.txt.gz", gz[:len(gz) - 12])
put("bad-gzip-corrupt.gz", gz[:10] + bytes(b ^ 0x5a for b in gz[10:30]) + gz[30:])
put("bad-not-gzip.gz", lk)
xz = lzma.compress(lk)
put("bad-xz-truncated.txt.xz", xz[:len(xz) - 30])
put("bad-xz-corrupt.xz", xz[:24] + bytes(b ^ 0x5a for b in xz[24:40]) + xz[40:])
put("bad-not-xz.xz", lk)
