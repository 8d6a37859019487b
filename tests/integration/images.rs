//! Physical memory images (LiME, Windows kernel full and bitmap dumps)
//! built from their published layouts around real process memory: keys
//! found with their fingerprints at physical addresses, damaged variants
//! partial.

use crate::common::*;

const PAGE: usize = 4096;

/// Real memory: the bytes of a gcore core whose heap holds planted PEM
/// keys, padded to whole pages; and where the RSA key's PEM starts in it.
fn memory() -> (Vec<u8>, usize, String) {
    let mut mem = std::fs::read(dump("pem-ascii.core")).unwrap();
    mem.resize(mem.len().div_ceil(PAGE) * PAGE, 0);
    let at = memchr_find(&mem, b"-----BEGIN RSA PRIVATE KEY-----").unwrap();
    let fp = expectations("pem-ascii")
        .into_iter()
        .find(|p| p.key_file == "keys/rsa2048-pkcs1.pem")
        .and_then(|p| p.fingerprint)
        .unwrap();
    (mem, at, fp)
}

/// The finding of `fp` in the one input of `report`, and its address.
fn found_at(report: &crate::contract::Report, fp: &str) -> u64 {
    let f = report
        .findings
        .iter()
        .find(|f| f.fingerprint.as_deref() == Some(fp))
        .unwrap_or_else(|| panic!("{fp} not found: {:#?}", report.inputs));
    addr(f).expect("a physical address")
}

fn lime(ranges: &[(u64, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (start, data) in ranges {
        out.extend(0x4C69_4D45u32.to_le_bytes());
        out.extend(1u32.to_le_bytes());
        out.extend(start.to_le_bytes());
        out.extend((start + data.len() as u64 - 1).to_le_bytes());
        out.extend([0u8; 8]);
        out.extend_from_slice(data);
    }
    out
}

/// A LiME image of two ranges: the key is found at its physical address;
/// cut short, the first range is still read and the image is partial; a
/// corrupt second header leaves the rest without addresses, partial.
#[test]
fn lime_ranges_are_regions_at_physical_addresses() {
    let (mem, at, fp) = memory();
    let half = (mem.len() / 2) / PAGE * PAGE;
    let (a, b) = mem.split_at(half);
    let (base_a, base_b) = (0x10_0000u64, 0x4000_0000u64);
    let image = lime(&[(base_a, a), (base_b, b)]);
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "mem.lime", &image);
    let (code, report) = scan_json(&[s(&path)]);
    assert_eq!(code, 1);
    let input = &report.inputs[0];
    assert_eq!(input.container.as_deref(), Some("lime"));
    assert_eq!(input.coverage.status, "full", "{:?}", input.coverage);
    assert_eq!(input.regions, 2);
    let expected = if at < half {
        base_a + at as u64
    } else {
        base_b + (at - half) as u64
    };
    assert_eq!(found_at(&report, &fp), expected);

    // cut inside the second range
    let cut = write(tmp.path(), "cut.lime", &image[..image.len() - PAGE]);
    let (_, report) = scan_json(&[s(&cut)]);
    assert_eq!(report.inputs[0].coverage.status, "partial");
    assert!(report.inputs[0].coverage.reasons[0].contains("past the end of the file"));
    // a second header that is not one
    let mut corrupt = image.clone();
    let second = 32 + a.len();
    corrupt[second..second + 4].copy_from_slice(b"XXXX");
    let path = write(tmp.path(), "corrupt.lime", &corrupt);
    let (_, report) = scan_json(&[s(&path)]);
    let input = &report.inputs[0];
    assert_eq!(input.coverage.status, "partial");
    assert!(
        input.coverage.reasons[0].contains("no valid LiME range header"),
        "{:?}",
        input.coverage
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.fingerprint.as_deref() == Some(fp.as_str()))
    );
}

/// A 64-bit kernel dump header: signature, dump type, and the bytes after.
fn kernel_header(dump_type: u32) -> Vec<u8> {
    let mut h = vec![0u8; 0x2000];
    h[..8].copy_from_slice(b"PAGEDU64");
    put_u32(&mut h, 0x38, 0xe2); // MANUALLY_INITIATED_CRASH
    put_u32(&mut h, 0xf98, dump_type);
    h
}

/// Windows kernel dumps: a full dump (run list in the header, pages after
/// it, 64- and 32-bit), a bitmap dump (`SDMP` header, one bit a physical
/// page) and a kernel-and-user memory dump (`RDMP` header, page-frame
/// ranges) of the same memory: the key at its physical address in each; a
/// full dump cut short and damaged RDMP dumps are partial.
#[test]
fn windows_kernel_dumps_map_physical_memory() {
    let (mem, at, fp) = memory();
    let pages = mem.len() / PAGE;
    let half = pages / 2;
    let tmp = tempfile::tempdir().unwrap();
    // full: two runs, at physical pages 0x100 and 0x40000
    let mut full = kernel_header(1);
    put_u32(&mut full, 0x88, 2);
    put_u64(&mut full, 0x90, pages as u64);
    for (i, (base, count)) in [(0x100u64, half), (0x40000, pages - half)]
        .into_iter()
        .enumerate()
    {
        put_u64(&mut full, 0x98 + 16 * i, base);
        put_u64(&mut full, 0xa0 + 16 * i, count as u64);
    }
    full.extend_from_slice(&mem);
    let page_of = |i: usize| -> u64 {
        if i < half {
            0x100 + i as u64
        } else {
            0x40000 + (i - half) as u64
        }
    };
    let expected = page_of(at / PAGE) * PAGE as u64 + (at % PAGE) as u64;
    let path = write(tmp.path(), "MEMORY.DMP", &full);
    let (code, report) = scan_json(&[s(&path)]);
    assert_eq!(code, 1);
    let input = &report.inputs[0];
    assert_eq!(input.container.as_deref(), Some("windows-kernel-dump"));
    assert_eq!(input.coverage.status, "full", "{:?}", input.coverage);
    assert_eq!(input.regions, 2);
    let dump = input.dump.as_ref().unwrap();
    assert_eq!(
        (dump.kind.as_str(), dump.bug_check.as_deref()),
        ("full", Some("0x000000e2"))
    );
    assert_eq!(found_at(&report, &fp), expected);

    // bitmap: the same pages present at the same physical pages
    let mut bmp = kernel_header(5);
    let total_pages = 0x40000 + pages;
    let bitmap_len = total_pages.div_ceil(8);
    let first_page = (0x2038 + bitmap_len).div_ceil(PAGE) * PAGE;
    bmp.extend_from_slice(b"SDMPDUMP");
    bmp.resize(0x2020, 0);
    bmp.extend((first_page as u64).to_le_bytes());
    bmp.extend((pages as u64).to_le_bytes());
    bmp.extend((total_pages as u64).to_le_bytes());
    let mut bitmap = vec![0u8; bitmap_len];
    for i in 0..pages {
        let p = page_of(i) as usize;
        bitmap[p / 8] |= 1 << (p % 8);
    }
    bmp.extend_from_slice(&bitmap);
    bmp.resize(first_page, 0);
    bmp.extend_from_slice(&mem);
    let path = write(tmp.path(), "bitmap.dmp", &bmp);
    let (code, report) = scan_json(&[s(&path)]);
    assert_eq!(code, 1);
    assert_eq!(
        report.inputs[0].coverage.status, "full",
        "{:?}",
        report.inputs[0].coverage
    );
    assert_eq!(report.inputs[0].regions, 2);
    assert_eq!(found_at(&report, &fp), expected);

    // 32-bit full dump: DUMP_HEADER32 (0x1000 bytes, 32-bit runs at 0x64)
    let mut full32 = vec![0u8; 0x1000];
    full32[..8].copy_from_slice(b"PAGEDUMP");
    put_u32(&mut full32, 0x28, 0xe2);
    put_u32(&mut full32, 0xf88, 1);
    put_u32(&mut full32, 0x64, 2);
    put_u32(&mut full32, 0x68, pages as u32);
    for (i, (base, count)) in [(0x100u32, half), (0x40000, pages - half)]
        .into_iter()
        .enumerate()
    {
        put_u32(&mut full32, 0x6c + 8 * i, base);
        put_u32(&mut full32, 0x70 + 8 * i, count as u32);
    }
    full32.extend_from_slice(&mem);
    // kernel-and-user memory dump (type 9): RDMP header, page-frame ranges
    let mut rdmp = kernel_header(9);
    let metadata: usize = 0x10 + 2 * 16 + 16; // unknown fields, two ranges, a zero end
    let first_page = (0x2020 + metadata).div_ceil(PAGE) * PAGE;
    rdmp.extend(0x40u32.to_le_bytes());
    rdmp.extend(b"RDMPDUMP");
    rdmp.extend(0u32.to_le_bytes());
    rdmp.extend((metadata as u64).to_le_bytes());
    rdmp.extend((first_page as u64).to_le_bytes());
    rdmp.extend([0u8; 16]);
    for (base, count) in [(0x100u64, half), (0x40000, pages - half)] {
        rdmp.extend(base.to_le_bytes());
        rdmp.extend((count as u64).to_le_bytes());
    }
    rdmp.resize(first_page, 0);
    rdmp.extend_from_slice(&mem);
    for (name, bytes, kind) in [
        ("full32.dmp", &full32, "full"),
        ("rdmp.dmp", &rdmp, "kernel-and-user-memory"),
    ] {
        let path = write(tmp.path(), name, bytes);
        let (code, report) = scan_json(&[s(&path)]);
        assert_eq!(code, 1, "{name}");
        let input = &report.inputs[0];
        assert_eq!(
            input.coverage.status, "full",
            "{name}: {:?}",
            input.coverage
        );
        assert_eq!(input.regions, 2, "{name}");
        let dump = input.dump.as_ref().unwrap();
        assert_eq!(
            (dump.kind.as_str(), dump.bug_check.as_deref()),
            (kind, Some("0x000000e2"))
        );
        assert_eq!(found_at(&report, &fp), expected, "{name}");
    }
    // an RDMP list longer than the file, a damaged RDMP header: partial
    let mut long = rdmp.clone();
    put_u64(&mut long, 0x2010, 1 << 40);
    let mut bad = rdmp.clone();
    bad[0x2004..0x2008].copy_from_slice(b"XXXX");
    for (name, bytes) in [("long.dmp", &long), ("bad.dmp", &bad)] {
        let path = write(tmp.path(), name, bytes);
        let (_, report) = scan_json(&[s(&path)]);
        assert_eq!(report.inputs[0].coverage.status, "partial", "{name}");
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.fingerprint.as_deref() == Some(fp.as_str())),
            "{name}"
        );
    }

    // a full dump cut short: partial, what is there still read
    let path = write(tmp.path(), "cut.dmp", &full[..full.len() - 3 * PAGE]);
    let (_, report) = scan_json(&[s(&path)]);
    assert_eq!(report.inputs[0].coverage.status, "partial");
    assert!(report.inputs[0].coverage.reasons[0].contains("past the end of the file"));
}

/// A Mach-O core (`MH_CORE`, x86-64) holding the memory of an ELF core:
/// one `LC_SEGMENT_64` per `PT_LOAD` (address, size, protection), the bytes
/// copied page-aligned after the load commands, and an `LC_THREAD` whose
/// x86_THREAD_STATE64 has `rsp` at `stack`. This is the layout macOS
/// writes; no macOS is at hand, so real process memory is rewrapped.
fn macho_core_from_elf(elf: &[u8], stack: u64) -> Vec<u8> {
    let parsed = goblin::elf::Elf::parse(elf).unwrap();
    let loads: Vec<_> = parsed
        .program_headers
        .iter()
        .filter(|p| p.p_type == goblin::elf::program_header::PT_LOAD && p.p_filesz > 0)
        .collect();
    let thread_size = 16 + 4 * 42;
    let commands = 72 * loads.len() + thread_size;
    let mut data_at = (32 + commands).div_ceil(PAGE) * PAGE;
    let mut cmds = Vec::new();
    let mut data = Vec::new();
    for p in &loads {
        let prot = (if p.is_read() { 1u32 } else { 0 })
            | (if p.is_write() { 2 } else { 0 })
            | (if p.is_executable() { 4 } else { 0 });
        cmds.extend(0x19u32.to_le_bytes());
        cmds.extend(72u32.to_le_bytes());
        cmds.extend([0u8; 16]);
        cmds.extend(p.p_vaddr.to_le_bytes());
        cmds.extend(p.p_memsz.to_le_bytes());
        cmds.extend((data_at as u64).to_le_bytes());
        cmds.extend(p.p_filesz.to_le_bytes());
        cmds.extend(prot.to_le_bytes());
        cmds.extend(prot.to_le_bytes());
        cmds.extend([0u8; 8]);
        let bytes = &elf[p.p_offset as usize..(p.p_offset + p.p_filesz) as usize];
        data.extend_from_slice(bytes);
        data.resize(data.len().div_ceil(PAGE) * PAGE, 0);
        data_at = (32 + commands).div_ceil(PAGE) * PAGE + data.len();
    }
    cmds.extend(4u32.to_le_bytes()); // LC_THREAD
    cmds.extend((thread_size as u32).to_le_bytes());
    cmds.extend(4u32.to_le_bytes()); // x86_THREAD_STATE64
    cmds.extend(42u32.to_le_bytes());
    let mut state = [0u64; 21];
    state[7] = stack; // rax rbx rcx rdx rdi rsi rbp rsp
    state.iter().for_each(|r| cmds.extend(r.to_le_bytes()));
    let mut out = Vec::new();
    out.extend(0xfeed_facfu32.to_le_bytes());
    out.extend(0x0100_0007u32.to_le_bytes());
    out.extend(3u32.to_le_bytes());
    out.extend(4u32.to_le_bytes()); // MH_CORE
    out.extend((loads.len() as u32 + 1).to_le_bytes());
    out.extend((commands as u32).to_le_bytes());
    out.extend([0u8; 8]);
    out.extend(cmds);
    out.resize((32 + commands).div_ceil(PAGE) * PAGE, 0);
    out.extend(data);
    out
}

/// A Mach-O core of a live OpenSSL process: its segments are regions with
/// addresses, so both RSA keys are rebuilt through their BIGNUM records
/// (which need addresses) at the same addresses as in the ELF core, and a
/// key in the thread's stack segment is attributed to the stack.
#[test]
fn macho_cores_map_segments_with_addresses() {
    let elf = std::fs::read(dump("live-keys.core")).unwrap();
    let (_, bare) = scan_json(&["--detectors", "bignum", s(&dump("live-keys.core"))]);
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "core.macho", &macho_core_from_elf(&elf, 0));
    let (code, report) = scan_json(&["--detectors", "bignum", s(&path)]);
    assert_eq!(code, 1);
    let input = &report.inputs[0];
    assert_eq!(input.container.as_deref(), Some("mach-o-core"));
    assert_eq!(input.coverage.status, "full", "{:?}", input.coverage);
    for f in &bare.findings {
        let g = report
            .findings
            .iter()
            .find(|g| g.fingerprint == f.fingerprint)
            .unwrap_or_else(|| panic!("{:?} not rebuilt", f.fingerprint));
        assert_eq!(g.address, f.address);
        assert!(
            g.components.iter().any(|c| c.name == "n (BIGNUM limbs)"),
            "{g:?}"
        );
    }
    // the segment holding rsp is the thread's stack
    let key_at = addr(&report.findings[0]).unwrap();
    let path = write(
        tmp.path(),
        "stack.macho",
        &macho_core_from_elf(&elf, key_at),
    );
    let (_, report) = scan_json(&["--detectors", "bignum", s(&path)]);
    assert_eq!(report.findings[0].region.kind, "stack");
    // a core whose load commands run past the end: plain bytes, partial
    let mut cut = macho_core_from_elf(&elf, 0);
    cut[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
    let path = write(tmp.path(), "cut.macho", &cut);
    let (_, report) = scan_json(&[s(&path)]);
    assert_eq!(report.inputs[0].coverage.status, "partial");
}
